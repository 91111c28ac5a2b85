"""A tiny real DNS server on 127.0.0.1 (UDP) answering TXT queries from a dict, for domain tests."""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest


def quote(text: str) -> str:
    """One TXT character-string in zone-file syntax."""
    return '"{}"'.format(text.replace("\\", "\\\\").replace('"', '\\"'))


class TxtServer:
    """Answers TXT for names in `records` ({"_microhost.blog.example.com": ["value", …]}), else NXDOMAIN.

    A record given as a tuple of strings is sent as one TXT record made of several character-strings.
    The dict is read on every query, so a test can add or change records while the server runs.
    """

    def __init__(self, records: dict[str, list[str | tuple[str, ...]]]) -> None:
        self.records = records
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        """The "host:port" form MICROHOST_DNS_NAMESERVERS takes."""
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> TxtServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            self.sock.sendto(self.answer(dns.message.from_wire(wire)).to_wire(), client)

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """The response to one query: the TXT values we hold for its name, or NXDOMAIN."""
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append(name)
        values = self.records.get(name)
        if values is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            texts = [" ".join(map(quote, (value,) if isinstance(value, str) else value)) for value in values]
            response.answer.append(dns.rrset.from_text(question.name, 60, dns.rdataclass.IN, "TXT", *texts))
        return response


@pytest.fixture(name="txt_records")
def txt_records_fixture(settings):
    """A running TxtServer wired into MICROHOST_DNS_NAMESERVERS; the fixture value is its records dict.

    Test modules import `txt_records_fixture` (tests/accounts has no conftest of its own).
    """
    records: dict[str, list[str | tuple[str, ...]]] = {}
    with TxtServer(records) as server:
        settings.MICROHOST_DNS_NAMESERVERS = [server.address]
        yield records
