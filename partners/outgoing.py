"""Outgoing HTTP to partners' webhook endpoints that cannot be aimed inward.

A webhook URL is checked when it is saved (`webhook_url_problem`, from the model's `clean`, so
the admin and the API refuse it alike) and again at every connection (`hardened_session`,
requests-hardened: the host is resolved, the address checked, and the connection pinned to
that very address, so a DNS answer that changes between the check and the connect gains
nothing):

- https only (http by the development setting `WEBHOOK_ALLOW_HTTP`);
- no user name or password in the URL;
- every address the host resolves to is public: no loopback, private, link-local (cloud
  metadata at 169.254.169.254), unspecified (0.0.0.0), multicast, carrier-grade NAT or
  reserved range. Loopback only by the development setting `WEBHOOK_ALLOW_LOOPBACK` (for
  `make run` and the tests' receivers on 127.0.0.1);
- redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

CONNECT_TIMEOUT_SECONDS = 5


def allow_http() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_HTTP", False))


def allow_loopback() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", False))


def address_refused(address: str) -> bool:
    """Whether an outgoing connection to this IP address is refused."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return not allow_loopback()
    return (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or not ip.is_global
        or any(ip in net for net in EXTRA_BLOCKED_NET_RANGES)
    )


def webhook_url_problem(url: str, *, resolve: bool = True) -> str | None:
    """Why `url` may not receive webhooks (in words), or None when it may."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid URL.")
    schemes = ("https", "http") if allow_http() else ("https",)
    if parts.scheme not in schemes:
        return _("A webhook URL must start with https://.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return _("A webhook URL may not hold a user name or password.")
    host = parts.hostname
    if not host:
        return _("This is not a valid URL.")
    if not resolve:
        return None
    try:
        found = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return _("The host of this URL could not be found.")
    if not found or any(address_refused(info[4][0]) for info in found):
        return _("This URL points to a private or reserved address; it must be public.")
    return None


def hardened_session() -> HTTPSession:
    """A requests session that checks the address at connect time, pins the connection to it,
    and never follows a redirect."""
    return HTTPSession(
        Config(
            ip_filter_enable=True,
            ip_filter_allow_loopback_ips=allow_loopback(),
            never_redirect=True,
            default_timeout=(CONNECT_TIMEOUT_SECONDS, 10),
            user_agent_override="resettle-webhooks/1",
        )
    )
