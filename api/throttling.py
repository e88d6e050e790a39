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
    """Counts the bad tokens an address sends; past the rate, it may try none, not even a good
    one, until the count runs out, so guessing gains nothing."""

    scope = "failed-authentication"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def refuse_if_past_the_rate(self, request) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [
            moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration
        ]
        if len(self.history) >= self.num_requests:
            raise exceptions.Throttled(self.wait())

    def record_failure(self) -> None:
        """After refuse_if_past_the_rate: count one more failure."""
        self.throttle_success()
