"""How fast partner systems and people may call the API, counted in Redis (the default cache,
django.core.cache.backends.redis.RedisCache), so every process shares one count.

- `ClientRateThrottle`: per OAuth2 client (a token's application), rate `client`;
- `UserRateThrottle`: per signed-in user, or per address for anonymous calls, rate `user`;
- `BulkRateThrottle`: per client or user on bulk endpoints (file upload), rate `bulk`, lower.

Rates come from settings.API_THROTTLE_RATES ({"client": "600/min", ...}), read at each request
so tests can set them (`override_settings`); a rate of None does not throttle.

Counting is atomic: one Redis INCR on a counter per caller and window (a fixed window of the
rate's length), so concurrent requests can never pass the limit together (DRF's own throttle
reads a list, appends and writes it back, which lets parallel callers through). A refused call
is a 429 in the API's error shape with `Retry-After`: the seconds until the window ends.

Without Redis the throttles let calls through (logged): a rate limit is not worth an outage.
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from core.api.permissions import token_of

log = logging.getLogger(__name__)


class _SettingsRateThrottle(SimpleRateThrottle):
    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        return getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request, view):
        # Re-read the rate on every request (override_settings, a changed setting).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        counter = f"{key}:{window}"
        try:
            # One atomic INCR per call: concurrent callers each get their own number.
            cache.add(counter, 0, timeout=self.duration + 1)
            try:
                count = cache.incr(counter)
            except ValueError:  # the window's counter expired between add and incr
                cache.add(counter, 0, timeout=self.duration + 1)
                count = cache.incr(counter)
        except Exception:  # Redis is down: let the call through
            log.warning("API throttle store unavailable: not throttling", exc_info=True)
            return True
        return count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.window_ends - time.time()))

    def _ident(self, request) -> str:
        token = token_of(request)
        if token is not None and token.application_id:
            return f"client-{token.application_id}"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user-{user.pk}"
        return f"addr-{self.get_ident(request)}"


class ClientRateThrottle(_SettingsRateThrottle):
    scope = "client"

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is None or not token.application_id:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.application_id}


class UserRateThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BulkRateThrottle(_SettingsRateThrottle):
    scope = "bulk"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


DEFAULT_THROTTLES = [ClientRateThrottle, UserRateThrottle]
