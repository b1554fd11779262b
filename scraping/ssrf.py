"""Server-side request forgery guard for everything the crawler fetches.

Policy (the same for the start URL, links, image URLs and every redirect hop):

- only ``http`` and ``https``; no ``user:pass@`` credentials in the URL;
- ports on the WHATWG Fetch "bad port" list (SMTP, SSH, IRC, X11, ...) are refused: browsers
  never fetch them, so no real image lives there, and they are the usual targets of
  protocol smuggling. Every other port is allowed, since many small sites serve on 8080 etc.;
- an address must be globally routable: loopback, private, link-local, multicast, reserved,
  unspecified, carrier-grade NAT and cloud metadata addresses are refused, for IPv4 and IPv6,
  including IPv4 embedded in IPv6 (IPv4-mapped, 6to4, NAT64, Teredo);
- a host name that resolves to any refused address is refused as a whole.

An allowlist (empty by default) lets an operator reach specific hosts: an entry is a host
name (matched against the URL's host, case-insensitive), an IP address or a CIDR network
(matched against literal and resolved addresses). Allowlisted hosts are still subject to the
scheme, credential and port rules.

This module only decides; the crawler enforces it twice: on every request before it is sent
(``scraping.guard.SsrfMiddleware``) and at connect time on the addresses Twisted will really
connect to (``scraping.guard.SsrfResolver``), which closes the DNS-rebinding window.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# WHATWG Fetch "bad ports": https://fetch.spec.whatwg.org/#port-blocking
BAD_PORTS = frozenset(
    {
        0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87,
        95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
        161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
        563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190,
        5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
    }
)  # fmt: skip

# Instance metadata and host services that must never be reachable, even where the address
# itself looks public (Azure's wireserver) or falls in a range refused anyway (for the message).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "169.254.169.123",  # AWS time sync
        "168.63.129.16",  # Azure wireserver (a public address)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS IPv6 metadata
        "fd00:ec2::253",  # AWS IPv6 DNS
        "fd00:ec2::123",  # AWS IPv6 time sync
    )
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UrlRefused(ValueError):
    """A URL or address the crawler must not fetch; ``str(error)`` is the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Allowlist:
    """Hosts and networks the operator explicitly permits (see the module docstring)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    def permits_host(self, host: str) -> bool:
        return _host_normalize(host) in self.hosts

    def permits_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def allowlist_parse(*, entries: Iterable[str]) -> Allowlist:
    """Split entries into host names and networks; an IP address becomes a /32 or /128."""
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(_host_normalize(entry))
    return Allowlist(hosts=frozenset(hosts), networks=tuple(networks))


def address_problem(*, address: IPAddress) -> str | None:
    """Why an address must not be contacted, or None if it is globally routable."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        if mapped := address.ipv4_mapped:  # the connection really goes to the IPv4 address
            problem = address_problem(address=mapped)
            return f"{problem} (IPv4-mapped {mapped})" if problem else None
        embedded = _embedded_ipv4(address)
        if embedded and (problem := address_problem(address=embedded)):
            return f"{problem} (embedded IPv4 {embedded})"
        if address in NAT64_LOCAL:
            return "private (local-use NAT64)"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "shared address space (carrier-grade NAT)"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    return None


def address_check(*, address: str | IPAddress, allow: Allowlist = Allowlist()) -> None:
    """Raise UrlRefused ("address 10.0.0.1 is private") unless the address may be contacted."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if allow.permits_address(ip):
        return
    if problem := address_problem(address=ip):
        raise UrlRefused(f"address {ip} is {problem}")


def addresses_filter(
    *, host: str, addresses: Sequence[str], allow: Allowlist = Allowlist()
) -> list[str]:
    """The addresses a host may be contacted at; refuses the host if any address is bad.

    A host name that resolves to both public and internal addresses is a rebinding or
    split-horizon trick, so one refused address refuses the whole host.
    """
    if not addresses:
        raise UrlRefused(f"host {host} has no address")
    if allow.permits_host(host):
        return list(addresses)
    for address in addresses:
        address_check(address=_scope_strip(address), allow=allow)
    return list(addresses)


def url_check(*, url: str, allow: Allowlist = Allowlist(), resolve: Resolver | None = None) -> None:
    """Raise UrlRefused unless the URL may be fetched.

    Without ``resolve`` only the URL itself is checked (scheme, credentials, port, literal
    addresses); with it (e.g. ``host_resolve``) the host name's addresses are checked too.
    The crawler never needs ``resolve``: its resolver checks at connect time.
    """
    parts = _url_split(url)
    host = parts.hostname or ""
    port = _port(parts)
    if literal := _ip_literal(host):
        address_check(address=literal, allow=allow)
    elif resolve is not None and not allow.permits_host(host):
        # an allowlisted name needs no resolving here (an intranet NAS may be off just now);
        # the crawler's resolver still hands over only what the allowlist permits
        addresses_filter(host=host, addresses=resolve(host, port), allow=allow)


def host_resolve(host: str, port: int) -> list[str]:
    """All addresses of a host (IPv4 and IPv6), as the system resolver returns them."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UrlRefused(f"host {host} cannot be resolved ({error})") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _url_split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        raise UrlRefused(f"malformed URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused(f"scheme {scheme or '(none)'!r} is not allowed (only http and https)")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("credentials in the URL are not allowed")
    if not parts.hostname:
        raise UrlRefused("URL has no host")
    return parts


def _port(parts: SplitResult) -> int:
    port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme.lower()]
    if port in BAD_PORTS:
        raise UrlRefused(f"port {port} is not allowed")
    return port


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(_scope_strip(host))
    except ValueError:
        return None


def _scope_strip(address: str) -> str:
    """Drop an IPv6 zone ("fe80::1%eth0"): the address decides, not the interface."""
    return address.split("%", 1)[0].strip("[]")


def _host_normalize(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, for the forms that tunnel or translate."""
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
