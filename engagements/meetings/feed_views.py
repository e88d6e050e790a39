"""A person's calendar feed, fetched by their calendar program with no login: the token in
the address is the credential (accounts: made, shown once and revoked on the profile page)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import gettext as _

from accounts.selectors import calendar_feed_owner
from engagements.meetings.feeds import user_feed


def calendar_feed(request, token):
    user = calendar_feed_owner(token)
    if user is None:  # unknown, revoked or replaced, or the account was deactivated
        raise Http404(_("This calendar address does not exist."))
    profile = getattr(user, "profile", None)
    language = profile.language if profile else settings.LANGUAGE_CODE
    response = HttpResponse(
        user_feed(user, language=language), content_type="text/calendar; charset=utf-8"
    )
    # Personal: no shared cache may keep it, and each fetch sees the latest changes.
    response["Cache-Control"] = "private, no-cache"
    response["Content-Disposition"] = 'inline; filename="fasttrack.ics"'
    # An ETag and no Last-Modified: an event that leaves the feed (a task done) changes it
    # without any newer moment to tell.
    set_response_etag(response)
    return get_conditional_response(request, etag=response["ETag"], response=response)
