"""Size cap and total deadline of the safe fetcher (R12, R13)."""

from __future__ import annotations

import gzip
import time
import tracemalloc

import pytest

from microhost.fetch import FetchTimeout, TooLarge, fetch

pytestmark = pytest.mark.usefixtures("network", "fetch_settings", "allow_private")
MB = 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """50 MB of zeros, gzipped to about 50 KB."""
    return gzip.compress(bytes(50 * MB), compresslevel=9)


def test_content_length_over_cap_is_refused_unread(loopback, fetch_settings):
    """A declared Content-Length over the cap fails with TooLarge without waiting for the body."""
    fetch_settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 2

    def respond(req):
        req.send_response(200)
        req.send_header("Content-Length", str(10 * MB))
        req.end_headers()
        req.wfile.write(b"0123456789")
        req.wfile.flush()
        req.server.owner.stop.wait(5)  # if the client tried to read on, it would hit the deadline

    site = loopback(respond)
    with pytest.raises(TooLarge):  # not FetchTimeout: the body was never read
        fetch(site.url())


def test_gzip_bomb_stops_at_the_cap_with_modest_memory(loopback, gzip_bomb):
    """A 50 MB gzip bomb stops at the 1 MB cap, counted after decompression, without inflating it all."""
    site = loopback(lambda req: req.reply(200, gzip_bomb, {"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            fetch(site.url())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB


def test_gzip_body_under_the_cap_is_decompressed(loopback):
    """A gzip body under the cap comes back decompressed, and we asked for gzip only."""
    text = b"<feed>" + b"entry " * 10_000 + b"</feed>"
    site = loopback(lambda req: req.reply(200, gzip.compress(text), {"Content-Encoding": "gzip"}))
    assert fetch(site.url()).content == text
    assert site.requests[0].headers["Accept-Encoding"] == "gzip"


def test_chunked_body_over_the_cap_is_refused(loopback):
    """A chunked body with no Content-Length that keeps coming is cut at the cap."""

    def respond(req):
        req.send_response(200)
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        chunk = b"x" * 65536
        try:
            while not req.server.owner.stop.is_set():
                req.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # the client hung up, as it should

    site = loopback(respond)
    with pytest.raises(TooLarge):
        fetch(site.url())


def test_body_exactly_at_the_cap_is_accepted_and_max_bytes_overrides(loopback):
    """The cap is inclusive, and max_bytes= lowers it for one call."""
    site = loopback(lambda req: req.reply(200, b"x" * 1000))
    assert len(fetch(site.url(), max_bytes=1000).content) == 1000
    with pytest.raises(TooLarge):
        fetch(site.url(), max_bytes=999)


def dribble(req, data: bytes) -> None:
    """Send data one byte every 0.5 s until done, stopped or hung up on."""
    try:
        for byte in data:
            if req.server.owner.stop.wait(0.5):
                return
            req.wfile.write(bytes([byte]))
            req.wfile.flush()
    except OSError:
        pass


def test_dribbling_body_is_cut_by_the_total_deadline(loopback, fetch_settings):
    """A body arriving 1 byte per 0.5 s is cut by the 2 s total deadline, not kept alive by each read."""
    fetch_settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 2

    def respond(req):
        req.send_response(200)
        req.send_header("Content-Length", "100")
        req.end_headers()
        req.wfile.flush()
        dribble(req, b"x" * 100)

    site = loopback(respond)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(site.url())
    assert time.monotonic() - started < 4


def test_dribbling_headers_are_cut_by_the_total_deadline(loopback, fetch_settings):
    """A status line and headers arriving byte by byte are cut by the same deadline."""
    fetch_settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 2
    site = loopback(lambda req: dribble(req, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(site.url())
    assert time.monotonic() - started < 4


def test_hanging_dns_is_cut_by_the_total_deadline(network, fetch_settings):
    """A DNS lookup that hangs counts against the total deadline too."""
    fetch_settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 1
    network.names["slow.test"] = lambda: time.sleep(5) or ["93.184.216.34"]
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch("http://slow.test/")
    assert time.monotonic() - started < 3
    assert network.dials == []
