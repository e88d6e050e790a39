"""The dashboard behind a share link, for people without an account."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from engagements.access import ShareLinkClosed, get_engagement_for_share_token
from engagements.views.engagements import dashboard_context


@require_safe
def shared_dashboard(request, token):
    """Read-only: answers GET only and never writes."""
    now = timezone.now()
    try:
        access = get_engagement_for_share_token(token, now)
    except ShareLinkClosed as closed:
        return render(
            request, "engagements/share_link_closed.html", {"link": closed.link}, status=410
        )
    return render(request, "engagements/dashboard.html", dashboard_context(access, now))
