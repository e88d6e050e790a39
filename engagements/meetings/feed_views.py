"""A person's calendar feed, fetched by their calendar program with no login: the token in
the address is the credential (accounts: made, shown once and revoked on the profile page)."""

from django.conf import settings
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _

from accounts.selectors import calendar_feed_owner
from engagements.meetings.feeds import user_feed


def calendar_feed(request, token):
    user = calendar_feed_owner(token)
    if user is None:  # unknown, revoked or replaced, or the account was deactivated
        raise Http404(_("This calendar address does not exist."))
    profile = getattr(user, "profile", None)
    language = profile.language if profile else settings.LANGUAGE_CODE
    feed = user_feed(user, language=language, now=timezone.now())
    last_modified = feed.last_modified and feed.last_modified.timestamp()
    # A calendar program asks again with the ETag it has: an unchanged feed is a 304, rendered
    # not at all. Last-Modified is the latest change among the events listed; an event that
    # leaves the feed (a task done) has no newer moment to tell, so only the ETag is exact,
    # and it is asked first when both are sent.
    unchanged = get_conditional_response(
        request, etag=feed.etag, last_modified=last_modified, response=None
    )
    response = unchanged or StreamingHttpResponse(feed, content_type="text/calendar; charset=utf-8")
    # Personal: no shared cache may keep it, and each fetch sees the latest changes.
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = feed.etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    if unchanged is None:
        response["Content-Disposition"] = 'inline; filename="fasttrack.ics"'
    return response
