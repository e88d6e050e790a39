import zoneinfo

from django.utils import timezone, translation

from .selectors import user_profile


class UserPreferencesMiddleware:
    """Show a signed-in user's pages in their own language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = user_profile(request.user) if request.user.is_authenticated else None
        if profile is None:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
        translation.activate(profile.language)
        request.LANGUAGE_CODE = profile.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
