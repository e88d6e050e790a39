import zoneinfo

from django.utils import timezone, translation

from .models import Profile


class UserPreferencesMiddleware:
    """Show a signed-in user's pages in their own language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = None
        if request.user.is_authenticated:
            profile = Profile.objects.filter(user=request.user).first()
        if profile is None:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
        translation.activate(profile.language)
        request.LANGUAGE_CODE = profile.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
