"""How many requests the API answers per token (per user for the browser, per address when
not signed in), counted in Django's cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import AccessToken
from fasttrack.security import client_ip


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read when asked rather than when DRF loads, so the setting can change in tests.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AccessToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
