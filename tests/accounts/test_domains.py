"""Custom-domain service: names, claims, proofs over real DNS and HTTP on loopback, removal, re-checks."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import domains
from accounts.models import Blog, Domain
from accounts.tasks import recheck_domain_task, recheck_domains
from tests.accounts.dns_server import TxtServer, txt_records_fixture  # noqa: F401  (the txt_records fixture)

NAME = "blog.example.com"


class WellKnownServer(ThreadingHTTPServer):
    """A loopback web server answering GET path → (status, headers, body) from `pages`."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler) -> None:  # noqa: N805
                status, headers, body = self.pages.get(handler.path, (404, {}, b"not found"))
                handler.send_response(status)
                for key, value in {**headers, "Content-Length": str(len(body))}.items():
                    handler.send_header(key, value)
                handler.end_headers()
                handler.wfile.write(body)

            def log_message(handler, *args) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def web(settings) -> Iterator[WellKnownServer]:
    """A real HTTP server on loopback; the HTTP proof is pointed at its port.

    The claimed name is "localhost" (created directly, since add_domain refuses single-label names):
    the safe fetcher resolves it to loopback, which it dials because private addresses are allowed here.
    """
    server = WellKnownServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    settings.MICROHOST_DOMAIN_CHECK_PORT = server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def claim(user, name: str = NAME) -> Domain:
    return domains.add_domain(blog=user.blog, name=name)


def reload_blog(user) -> Blog:
    return Blog.objects.get(user=user)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("blog.example.com", "blog.example.com"),
        ("  Blog.Example.COM.  ", "blog.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.c-d.example.org", "a-b.c-d.example.org"),
    ],
)
def test_normalise_gives_lower_case_punycode(raw, expected):
    """Names are stored lower-case, punycoded, without the trailing dot."""
    assert domains.normalise_domain_name(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "localhost",
        "exa mple.com",
        "-a.example.com",
        "a-.example.com",
        "a..example.com",
        "under_score.example.com",
        "x" * 64 + ".example.com",
        "127.0.0.1",
        "https://blog.example.com/",
        "blog.example.com:8080",
        "blog.example.com/path",
        "me@example.com",
        ("a" * 60 + ".") * 5 + "com",
    ],
)
def test_normalise_refuses_what_is_not_a_host_name(raw):
    """Anything but a plain multi-label host name is refused with a message saying what to enter."""
    with pytest.raises(ValidationError) as info:
        domains.normalise_domain_name(raw)
    assert "blog.example.com" in info.value.messages[0]


@pytest.mark.parametrize(
    "name",
    [
        "microhost.test",
        "bob.microhost.test",
        "www.microhost.test",
        "a.b.microhost.test",
    ],
)
def test_platform_names_cannot_be_claimed(alice, name):
    """The platform domain and anything under it are refused: those are the platform's own."""
    with pytest.raises(ValidationError, match="belongs to microhost.test"):
        claim(alice, name)
    assert not Domain.objects.exists()


def test_claim_is_pending_with_a_token(alice):
    """A new claim has a per-domain token and serves nothing yet."""
    domain = claim(alice, "Blog.Example.com")
    assert domain.name == NAME and len(domain.token) >= 32 and domain.verified_at is None
    assert domain.txt_record_name == "_microhost.blog.example.com"
    assert domain.txt_record_value == f"microhost-verify={domain.token}"
    assert reload_blog(alice).custom_domain is None
    assert claim(alice, "other.example.com").token != domain.token


def test_the_same_name_twice_on_one_list_is_refused(alice):
    """A blog lists a name once."""
    claim(alice)
    with pytest.raises(ValidationError, match="already on your list"):
        claim(alice, "BLOG.example.com.")


def test_a_pending_claim_does_not_block_another_blog(alice, bob):
    """Unverified claims are not ownership: two blogs may both claim a name until one proves it."""
    claim(alice)
    assert claim(bob).name == NAME


def test_txt_record_verifies_and_serves(alice, txt_records):
    """The right TXT value makes the domain the blog's custom domain and moves its changed_at."""
    domain = claim(alice)
    before = reload_blog(alice).changed_at
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    domain = domains.verify_domain(domain=domain)
    domain.refresh_from_db()
    assert domain.is_verified and domain.last_error == "" and domain.last_checked_at is not None
    blog = reload_blog(alice)
    assert blog.custom_domain == NAME and blog.changed_at > before


def test_challenge_txt_name_is_accepted_too(alice, txt_records):
    """_microhost-challenge.<domain> (security doc R26) proves control as well."""
    domain = claim(alice)
    txt_records[f"_microhost-challenge.{NAME}"] = ["v=spf1 -all", domain.txt_record_value]
    domains.verify_domain(domain=domain)
    assert reload_blog(alice).custom_domain == NAME


def test_wrong_token_fails_with_a_reason(alice, bob, txt_records):
    """Another blog's token (or a typo) is not proof; the reason is stored and nothing is served."""
    domain, others = claim(alice), claim(bob)
    txt_records[domain.txt_record_name] = [others.txt_record_value]
    domain = domains.verify_domain(domain=domain)
    domain.refresh_from_db()
    assert not domain.is_verified and domain.last_checked_at is not None
    assert "different value" in domain.last_error and domain.txt_record_name in domain.last_error
    assert reload_blog(alice).custom_domain is None


def test_missing_record_says_so(alice, txt_records):
    """No record at all is reported as such, naming the record to add, and the HTTP check's outcome."""
    domain = domains.verify_domain(domain=claim(alice))
    assert f"no TXT record at _microhost.{NAME}" in domain.last_error
    assert "HTTP: http://blog.example.com/.well-known/microhost-verify" in domain.last_error
    assert len(domain.last_error) <= 300


def test_dns_failure_is_not_mistaken_for_a_missing_record(alice, settings, monkeypatch):
    """When DNS itself fails the reason says so and suggests trying again."""
    monkeypatch.setattr("accounts.dns_check.LOOKUP_LIFETIME", 0.5)
    with TxtServer({}) as server:
        port = server.port
    settings.MICROHOST_DNS_NAMESERVERS = [f"127.0.0.1:{port}"]  # nobody listens there any more
    domain = domains.verify_domain(domain=claim(alice))
    assert "try again in a few minutes" in domain.last_error
    assert reload_blog(alice).custom_domain is None


def test_well_known_file_verifies(alice, txt_records, web):
    """A file at /.well-known/microhost-verify containing the token proves control (via the safe fetcher)."""
    domain = Domain.objects.create(blog=alice.blog, name="localhost")
    web.pages[domains.WELL_KNOWN_PATH] = (200, {"Content-Type": "text/plain"}, f"{domain.token}\n".encode())
    domains.verify_domain(domain=domain)
    domain.refresh_from_db()
    assert domain.is_verified and reload_blog(alice).custom_domain == "localhost"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ((200, {}, b"some other site"), "does not contain your token"),
        ((404, {}, b"nope"), "answered 404"),
        (None, "answered 404"),
    ],
)
def test_well_known_file_failures_are_explained(alice, txt_records, web, page, reason):
    """A wrong or missing file fails with what the server answered."""
    domain = Domain.objects.create(blog=alice.blog, name="localhost")
    if page:
        web.pages[domains.WELL_KNOWN_PATH] = page
    domain = domains.verify_domain(domain=domain)
    assert reason in domain.last_error and not domain.is_verified


def test_well_known_redirect_to_another_host_is_not_proof(alice, txt_records, web):
    """The token must be served by the claimed host itself, not by wherever it redirects."""
    domain = Domain.objects.create(blog=alice.blog, name="localhost")
    port = web.server_address[1]
    web.pages[domains.WELL_KNOWN_PATH] = (302, {"Location": f"http://127.0.0.1:{port}/token"}, b"")
    web.pages["/token"] = (200, {}, domain.token.encode())
    domain = domains.verify_domain(domain=domain)
    assert "redirected to another host" in domain.last_error and not domain.is_verified


def test_domain_verified_by_one_blog_cannot_be_verified_by_another(alice, bob, txt_records):
    """A domain belongs to one blog: bob's later proof is refused and alice keeps serving it."""
    mine, his = claim(alice), claim(bob)
    txt_records[mine.txt_record_name] = [mine.txt_record_value, his.txt_record_value]
    domains.verify_domain(domain=mine)
    his = domains.verify_domain(domain=his)
    assert his.last_error == "That domain is already in use."
    assert reload_blog(alice).custom_domain == NAME and reload_blog(bob).custom_domain is None
    with pytest.raises(ValidationError, match="already in use"):
        domains.add_domain(blog=bob.blog, name="blog.EXAMPLE.com")


def test_verifying_a_second_domain_replaces_the_first(alice, txt_records):
    """One active custom domain per blog: the newly verified one takes over."""
    first, second = claim(alice, "one.example.com"), claim(alice, "two.example.com")
    for domain in (first, second):
        txt_records[domain.txt_record_name] = [domain.txt_record_value]
        domains.verify_domain(domain=domain)
    first.refresh_from_db()
    assert reload_blog(alice).custom_domain == "two.example.com" and not first.is_verified


def test_remove_active_domain_stops_serving_it(alice, txt_records):
    """Removing the serving domain deletes the claim and clears the blog's custom domain."""
    domain = claim(alice)
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    domains.verify_domain(domain=domain)
    before = reload_blog(alice).changed_at
    domains.remove_domain(domain=domain)
    blog = reload_blog(alice)
    assert blog.custom_domain is None and blog.changed_at > before and not Domain.objects.exists()


def test_remove_pending_domain_keeps_the_active_one(alice, txt_records):
    """Removing a pending claim leaves the serving domain alone."""
    active, pending = claim(alice, "one.example.com"), claim(alice, "two.example.com")
    txt_records[active.txt_record_name] = [active.txt_record_value]
    domains.verify_domain(domain=active)
    domains.remove_domain(domain=pending)
    assert reload_blog(alice).custom_domain == "one.example.com"
    assert list(Domain.objects.values_list("name", flat=True)) == ["one.example.com"]


def test_verifying_a_removed_domain_resurrects_nothing(alice, txt_records):
    """A claim removed while its check runs stays removed and serves nothing."""
    domain = claim(alice)
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    Domain.objects.filter(pk=domain.pk).delete()
    domains.verify_domain(domain=domain)
    assert not Domain.objects.exists() and reload_blog(alice).custom_domain is None


def verified(user, txt_records, days_ago: int) -> Domain:
    domain = claim(user)
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    domains.verify_domain(domain=domain)
    Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now() - datetime.timedelta(days=days_ago))
    return domain


def test_recheck_keeps_serving_within_the_grace_period(alice, txt_records):
    """A proof that just started failing is recorded but the domain keeps serving."""
    domain = verified(alice, txt_records, days_ago=1)
    txt_records.clear()
    recheck_domain_task(domain.pk)
    domain.refresh_from_db()
    assert domain.is_verified and "no TXT record" in domain.last_error
    assert reload_blog(alice).custom_domain == NAME


def test_recheck_drops_a_domain_whose_proof_is_gone_for_long(alice, txt_records):
    """Past the grace period a failing proof stops the domain being served (R26)."""
    domain = verified(alice, txt_records, days_ago=4)
    txt_records.clear()
    recheck_domain_task(domain.pk)
    domain.refresh_from_db()
    assert not domain.is_verified and domain.last_error.startswith("No longer served")
    assert reload_blog(alice).custom_domain is None


def test_recheck_success_refreshes_the_proof(alice, txt_records):
    """A successful re-check moves verified_at (last proven) forward and keeps serving."""
    domain = verified(alice, txt_records, days_ago=4)
    recheck_domain_task(domain.pk)
    domain.refresh_from_db()
    assert timezone.now() - domain.verified_at < datetime.timedelta(minutes=1)
    assert reload_blog(alice).custom_domain == NAME


def test_recheck_sweep_queues_only_verified_domains(alice, bob, txt_records, monkeypatch):
    """The beat sweep queues one re-check per verified domain, by id."""
    domain = verified(alice, txt_records, days_ago=1)
    claim(bob, "pending.example.com")
    queued = []
    monkeypatch.setattr(recheck_domain_task, "delay", queued.append)
    assert recheck_domains() == 1 and queued == [domain.pk]
