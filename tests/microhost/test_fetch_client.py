"""What the safe fetcher sends and returns: headers, statuses, text, links, TLS on the hostname."""

from __future__ import annotations

import datetime
import ssl

import pytest

from microhost.fetch import ConnectFailed, fetch

pytestmark = pytest.mark.usefixtures("network", "fetch_settings", "allow_private")


def test_user_agent_names_the_platform_and_caller_headers_pass(ok_server, settings):
    """Requests carry microhost's User-Agent and the caller's headers; Accept-Encoding stays ours."""
    fetch(ok_server.url(), headers={"Accept": "application/json", "Accept-Encoding": "br"})
    sent = ok_server.requests[0].headers
    assert sent["User-Agent"] == f"microhost/0.1 (+https://{settings.MICROHOST_DOMAIN}/)"
    assert sent["Accept"] == "application/json"
    assert sent["Accept-Encoding"] == "gzip"


def test_host_header_keeps_the_name_while_the_checked_ip_is_dialled(ok_server, network):
    """Dialling the resolved IP keeps the original Host header, so virtual hosts still work."""
    network.names["blog.test"] = ["127.0.0.1"]
    response = fetch(f"http://blog.test:{ok_server.port}/post/1")
    assert response.url == f"http://blog.test:{ok_server.port}/post/1"
    assert ok_server.requests[0].headers["Host"] == f"blog.test:{ok_server.port}"
    assert network.dials == [("127.0.0.1", ok_server.port)]


@pytest.mark.parametrize("status", [304, 404, 410, 429, 500, 503])
def test_http_error_statuses_are_answers_not_exceptions(status, loopback):
    """Callers get 304/404/410/429/5xx as responses with their headers, to decide what to do."""
    site = loopback(lambda req: req.reply(status, headers={"Retry-After": "120"}))
    response = fetch(site.url())
    assert response.status_code == status
    assert response.headers["Retry-After"] == "120"


def test_text_uses_the_declared_charset_and_links_resolve_against_the_final_url(loopback):
    """.text decodes with the Content-Type charset; .links maps each rel to an absolute URL."""
    headers = {
        "Content-Type": "text/html; charset=iso-8859-1",
        "Link": '</wm>; rel="webmention", <https://auth.example/>; rel="authorization_endpoint me"',
    }
    site = loopback(lambda req: req.reply(200, "café".encode("latin-1"), headers))
    response = fetch(site.url("/posts/1"))
    assert response.text == "café"
    assert response.links == {
        "webmention": site.url("/wm"),
        "authorization_endpoint": "https://auth.example/",
        "me": "https://auth.example/",
    }


def test_authorization_is_dropped_on_a_cross_origin_redirect(loopback):
    """A token sent to one site is not forwarded when it redirects to another origin."""
    other = loopback(lambda req: req.reply(200, b"other"))
    site = loopback(lambda req: req.reply(302, headers={"Location": other.url("/landing")}))
    fetch(site.url(), headers={"Authorization": "Bearer secret"})
    assert site.requests[0].headers["Authorization"] == "Bearer secret"
    assert "Authorization" not in other.requests[0].headers


@pytest.fixture(scope="module")
def blog_test_cert(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for blog.test (not trusted by certifi, on purpose)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "blog.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("blog.test")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tls")
    cert, key_path = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    cert, key = str(cert), str(key_path)
    return cert, key


def test_tls_sni_and_verification_use_the_hostname(blog_test_cert, loopback, network):
    """Dialling the IP, TLS still sends SNI blog.test and verifies its certificate (untrusted: refused)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*blog_test_cert)
    server_names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    site = loopback(lambda req: req.reply(200, b"secret"), tls=context)
    network.names["blog.test"] = ["127.0.0.1"]
    with pytest.raises(ConnectFailed, match="certificate"):
        fetch(f"https://blog.test:{site.port}/")
    assert server_names == ["blog.test"]
    assert site.requests == []
