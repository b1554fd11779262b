"""Enforce scraping.ssrf inside scrapy: per request, and per connection at resolve time.

``SsrfMiddleware`` (a downloader middleware) sees every request before it is sent, those
created by RedirectMiddleware and RobotsTxtMiddleware included, and refuses bad schemes,
credentials, ports and literal addresses. ``SsrfResolver`` replaces the reactor's name
resolver: Twisted's HostnameEndpoint connects only to the addresses a resolver hands it, and
this one hands over only checked addresses, so a host name cannot be re-pointed (DNS
rebinding) between the check and the connection. Both read the allowlist from the
``SSRF_ALLOW`` setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from scrapy.exceptions import IgnoreRequest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from zope.interface import implementer  # type: ignore[import-untyped,unused-ignore]

from scraping.ssrf import Allowlist, UrlRefused, addresses_filter, allowlist_parse, host_resolve
from scraping.ssrf import url_check as ssrf_url_check

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.interfaces import IAddress


# Twisted's zope interfaces declare methods without self, which mypy misreads without the
# mypy-zope plugin: the reactor and the resolution receiver are typed loosely.
Reactor = Any
Receiver = Any


class RequestBlocked(IgnoreRequest):
    """A request refused by the SSRF policy; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def crawler_allowlist(*, crawler: Any) -> Allowlist:
    """The allowlist from settings (``crawler`` may be a Crawler or a CrawlerProcess)."""
    return allowlist_parse(entries=crawler.settings.getlist("SSRF_ALLOW"))


class SsrfMiddleware:
    def __init__(self, *, allow: Allowlist) -> None:
        self.allow = allow

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfMiddleware:
        return cls(allow=crawler_allowlist(crawler=crawler))

    def process_request(self, request: Request) -> None:
        try:
            ssrf_url_check(url=request.url, allow=self.allow)
        except UrlRefused as error:
            raise RequestBlocked(f"{error.reason} ({request.url})") from error


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Resolution runs in a thread and cannot be interrupted; its result is harmless."""


@implementer(IHostnameResolver)
class SsrfResolver:
    """A name resolver (the TWISTED_DNS_RESOLVER setting) that only yields allowed addresses.

    A refused host completes with no address, which Twisted reports as a DNS lookup error;
    the reason is kept in ``refusals`` (host -> reason) for the spider's errback to report.
    """

    refusals: ClassVar[dict[str, str]] = {}

    def __init__(self, *, reactor: Reactor, allow: Allowlist) -> None:
        self.reactor = reactor
        self.allow = allow

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Reactor) -> SsrfResolver:
        return cls(reactor=reactor, allow=crawler_allowlist(crawler=crawler))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(cast(IHostnameResolver, self))

    def resolveHostName(  # noqa: N802 - Twisted's interface
        self,
        resolutionReceiver: Receiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        pool = self.reactor.getThreadPool()
        deferred = deferToThreadPool(self.reactor, pool, host_resolve, hostName, portNumber)
        deferred.addCallback(self._deliver, resolutionReceiver, hostName, portNumber, addressTypes)
        deferred.addErrback(self._refuse, resolutionReceiver, hostName)
        return cast(IHostResolution, resolution)

    def _deliver(
        self,
        addresses: list[str],
        receiver: Receiver,
        host: str,
        port: int,
        types: Sequence[type[IAddress]] | None,
    ) -> None:
        for address in addresses_filter(host=host, addresses=addresses, allow=self.allow):
            twisted_address = (IPv6Address if ":" in address else IPv4Address)("TCP", address, port)
            if not types or type(twisted_address) in types:
                receiver.addressResolved(twisted_address)
        receiver.resolutionComplete()

    def _refuse(self, failure: Failure, receiver: Receiver, host: str) -> None:
        error = failure.value
        self.refusals[host.lower()] = error.reason if isinstance(error, UrlRefused) else str(error)
        receiver.resolutionComplete()
