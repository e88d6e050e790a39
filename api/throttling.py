"""How many requests the API answers per user (whatever token they send; per address when not
signed in), and how many failed authentications it takes from one address, counted in
Django's cache."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from fasttrack.security import client_ip


class PerUserThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read when asked rather than when DRF loads, so the setting can change in tests.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        # Per user, not per token: a new token must not start a new count.
        if request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """Counts the bad tokens an address sends, in windows as long as the rate's period; past the
    rate, its further bad tokens are refused until the window ends. A good token is neither
    counted nor refused: many people may share one address (a NAT), and one broken script must
    not lock the others out. A token's 256 random bits make guessing hopeless anyway; the count
    keeps a scanner from hammering the token lookup."""

    scope = "failed-authentication"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def record_failure(self, request) -> None:
        """Count one more bad token from the request's address; past the rate, refuse it."""
        now = self.timer()
        window = int(now // self.duration)
        ident = f"{client_ip(request)}-{window}"
        key = self.cache_format % {"scope": self.scope, "ident": ident}
        # add and incr are each atomic (locmem and Redis), so bad tokens sent at once all count.
        self.cache.add(key, 0, self.duration)
        try:
            failures = self.cache.incr(key)
        except ValueError:  # the cache dropped the key in between: this failure starts anew
            self.cache.set(key, failures := 1, self.duration)
        if failures > self.num_requests:
            raise exceptions.Throttled((window + 1) * self.duration - now)
