"""An engagement's audit trail, page by page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from engagements.access import get_engagement_for_user
from engagements.activity.selectors import engagement_audit_events

AUDIT_PAGE_SIZE = 100


@login_required
def audit_trail(request, pk):
    access = get_engagement_for_user(request.user, pk)
    events = engagement_audit_events(access.engagement, newest_first=True)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagements/audit_trail.html",
        {"access": access, "engagement": access.engagement, "page": page, "query": ""},
    )
