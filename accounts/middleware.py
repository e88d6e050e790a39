import zoneinfo

from django.utils import timezone, translation

from .selectors import user_page_facts


class UserPreferencesMiddleware:
    """Show a signed-in user's pages in their own language and time zone, and tell the top bar
    whether to offer the portfolio (read in the same query as the profile)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        facts = user_page_facts(request.user)
        request.shows_portfolio = facts.shows_portfolio
        profile = facts.profile
        if profile is None:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
        translation.activate(profile.language)
        request.LANGUAGE_CODE = profile.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
