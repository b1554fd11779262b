"""The SSRF policy (pure) and its enforcement at connect time (Twisted, in a child process)."""

import ipaddress
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scraping import ssrf
from scraping.ssrf import UrlRefused, address_check, allowlist_parse, url_check

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.170.2", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "shared address space (carrier-grade NAT)"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address to refuse, not to bind
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped 127.0.0.1)"),
        ("::ffff:10.0.0.1", "private (IPv4-mapped 10.0.0.1)"),
        ("::ffff:169.254.169.254", "a cloud metadata address (IPv4-mapped 169.254.169.254)"),
        ("2002:a00:1::1", "private (embedded IPv4 10.0.0.1)"),  # 6to4
        ("64:ff9b::7f00:1", "loopback (embedded IPv4 127.0.0.1)"),  # NAT64
    ],
)
def test_it_refuses_non_public_addresses_with_the_reason(address, problem):
    with pytest.raises(UrlRefused) as error:
        address_check(address=address)
    # Python < 3.13 writes IPv4-mapped addresses in hex (::ffff:7f00:1)
    assert str(error.value) == f"address {ipaddress.ip_address(address)} is {problem}"


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_it_allows_public_addresses(address):
    address_check(address=address)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/a.jpg", "address 127.0.0.1 is loopback"),
        ("http://10.0.0.1/x.jpg", "address 10.0.0.1 is private"),
        ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is a cloud"),
        ("http://[::1]:8080/a.jpg", "address ::1 is loopback"),
        ("http://[::ffff:7f00:1]/a.jpg", "address ::ffff:"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("ftp://example.com/a.jpg", "scheme 'ftp' is not allowed"),
        ("gopher://example.com:70/", "scheme 'gopher' is not allowed"),
        ("//example.com/a.jpg", "scheme '(none)' is not allowed"),
        ("http://user:secret@example.com/a.jpg", "credentials in the URL are not allowed"),
        ("http://user@example.com/a.jpg", "credentials in the URL are not allowed"),
        ("http://example.com:22/a.jpg", "port 22 is not allowed"),
        ("https://example.com:25/", "port 25 is not allowed"),
        ("http://example.com:99999/", "malformed URL"),
        ("http:///a.jpg", "URL has no host"),
    ],
)
def test_url_check_refuses_with_a_clear_reason(url, reason):
    with pytest.raises(UrlRefused, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        url_check(url=url)


@pytest.mark.parametrize(
    "url",
    ["http://example.com/a.jpg", "https://example.com:8443/a.jpg", "HTTP://Example.COM:8080/"],
)
def test_url_check_accepts_ordinary_urls_without_resolving(url):
    url_check(url=url)


def fake_dns(table):
    def resolve(host, port):
        return table[host]

    return resolve


def test_a_host_name_resolving_to_a_private_address_is_refused():
    resolve = fake_dns({"intranet.example": ["10.1.2.3"]})
    with pytest.raises(UrlRefused, match=r"^address 10\.1\.2\.3 is private$"):
        url_check(url="http://intranet.example/a.jpg", resolve=resolve)


def test_one_bad_address_among_good_ones_refuses_the_host():
    resolve = fake_dns({"split.example": ["93.184.216.34", "169.254.169.254"]})
    with pytest.raises(UrlRefused, match="cloud metadata"):
        url_check(url="https://split.example/", resolve=resolve)


def test_a_public_host_name_is_allowed():
    url_check(url="https://photos.example/a.jpg", resolve=fake_dns({"photos.example": ["8.8.4.4"]}))


def test_localhost_is_refused_through_the_system_resolver():
    with pytest.raises(UrlRefused, match="is loopback"):
        url_check(url="http://localhost/a.jpg", resolve=ssrf.host_resolve)


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f.0.0.1", "LOCALHOST"])
def test_numeric_tricks_are_refused_by_what_they_resolve_to(host):
    with pytest.raises(UrlRefused, match="is loopback"):
        url_check(url=f"http://{host}/a.jpg", resolve=ssrf.host_resolve)


def test_host_resolve_asks_getaddrinfo_for_every_family(monkeypatch):
    def getaddrinfo(host, port, type=0):
        assert (host, port) == ("dual.example", 443)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 443, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
        ]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(UrlRefused, match=r"address ::1 is loopback"):
        url_check(url="https://dual.example/a.jpg", resolve=ssrf.host_resolve)


def test_allowlist_permits_hosts_addresses_and_networks():
    allow = allowlist_parse(entries=["127.0.0.1", "10.20.0.0/16", "NAS.local.", " ", "[::1]"])
    url_check(url="http://127.0.0.1:8000/a.jpg", allow=allow)
    url_check(url="http://[::1]:8000/a.jpg", allow=allow)
    url_check(url="http://10.20.30.40/a.jpg", allow=allow)
    url_check(url="http://nas.local/a.jpg", allow=allow, resolve=fake_dns({"nas.local": ["::1"]}))
    resolve = fake_dns({"printer.local": ["10.20.1.1"], "other.local": ["10.21.0.1"]})
    url_check(url="http://printer.local/a.jpg", allow=allow, resolve=resolve)
    with pytest.raises(UrlRefused, match="10.21.0.1 is private"):
        url_check(url="http://other.local/a.jpg", allow=allow, resolve=resolve)
    with pytest.raises(UrlRefused, match="127.0.0.2 is loopback"):
        url_check(url="http://127.0.0.2/a.jpg", allow=allow)


def test_allowlisted_hosts_still_obey_scheme_credential_and_port_rules():
    allow = allowlist_parse(entries=["127.0.0.1"])
    for url in ("ftp://127.0.0.1/a.jpg", "http://a:b@127.0.0.1/", "http://127.0.0.1:23/"):
        with pytest.raises(UrlRefused):
            url_check(url=url, allow=allow)


# The connect-time check: Twisted's HostnameEndpoint, as scrapy's HTTP client uses it, with
# SsrfResolver installed, connects only to checked addresses. "rebind.example" stands for a
# name whose DNS answer changed after any earlier check; it resolves to 127.0.0.1 here.
CONNECT_SCRIPT = """
import json, sys
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.protocol import Factory, Protocol
from scraping import guard
from scraping.ssrf import allowlist_parse

real_resolve = guard.host_resolve
guard.host_resolve = lambda host, port: (
    ["127.0.0.1"] if host == "rebind.example" else real_resolve(host, port))

async def main(reactor):
    results = []
    for host, port, allow in json.loads(sys.argv[1]):
        guard.SsrfResolver(reactor=reactor, allow=allowlist_parse(entries=allow)).install_on_reactor()
        endpoint = HostnameEndpoint(reactor, host, port, timeout=5)
        try:
            protocol = await endpoint.connect(Factory.forProtocol(Protocol))
        except Exception as error:
            results.append({"error": type(error).__name__,
                            "refused": guard.SsrfResolver.refusals.get(host)})
        else:
            results.append({"peer": protocol.transport.getPeer().host})
            protocol.transport.loseConnection()
    print(json.dumps(results))

task.react(lambda reactor: Deferred.fromCoroutine(main(reactor)))
"""


def test_twisted_connects_only_to_addresses_the_resolver_checked():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        cases = [
            ("localhost", port, []),
            ("rebind.example", port, []),
            ("127.0.0.1", port, []),
            ("127.0.0.1", port, ["127.0.0.1"]),
            ("rebind.example", port, ["rebind.example"]),
        ]
        result = subprocess.run(
            [sys.executable, "-c", CONNECT_SCRIPT, json.dumps(cases)],
            capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        refused_localhost, refused_rebind, refused_literal, allowed_ip, allowed_name = json.loads(
            result.stdout.strip().splitlines()[-1]
        )
        listener.setblocking(False)
        accepted = 0
        while True:
            try:
                listener.accept()[0].close()
            except BlockingIOError:
                break
            accepted += 1
    assert refused_localhost["error"] == "DNSLookupError"
    assert "is loopback" in refused_localhost["refused"]
    assert refused_rebind == {"error": "DNSLookupError", "refused": "address 127.0.0.1 is loopback"}
    assert refused_literal["refused"] == "address 127.0.0.1 is loopback"
    assert allowed_ip == {"peer": "127.0.0.1"}
    assert allowed_name == {"peer": "127.0.0.1"}
    assert accepted == 2  # only the two allowlisted connections ever reached the socket
