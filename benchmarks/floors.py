"""The floors: the rows a page needs, read by the page's own queries (a portfolio page's ids
and count as its selector finds them, then `.values()` of their stored status; the engagement
list's page and count as its view reads them; the summary's aggregates) and returned as JSON
without a template. A floor is a lower bound on its page: the page makes the same queries
and also renders what they return. A floor that read the rows its own way was slower than its
page at 100,000 (one query that sorted every row with its next checkpoint where the page sorts
ids alone and reads fifty rows after), and so bounded nothing."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone

from accounts.selectors import calendar_feed_owner
from engagements.meetings.feeds import CHECKPOINT_FIELDS, TASK_FIELDS, feed_checkpoints, feed_tasks
from engagements.models import ActivityEvent, Checkpoint, Engagement, Task
from engagements.models.stored_status import STORED_FIELDS
from engagements.selectors.engagements import engagement_list_page
from engagements.selectors.keyset import PAGE_SIZE
from engagements.status.portfolio import (
    portfolio_ids_after,
    portfolio_page_ids,
    portfolio_queryset,
    portfolio_summary_groups,
    with_next_checkpoint,
)
from engagements.status.views import portfolio_filters
from engagements.views.forms import EngagementSearchForm
from responsibilities.models import Phase

RECENT_EVENTS = 30
# What a portfolio row shows: the engagement's facts, its stored status, its next checkpoint.
ROW_FIELDS = (
    "pk",
    "customer",
    "aad_premium",
    "intune",
    "azure_rms",
    *STORED_FIELDS,
    "next_checkpoint",
    "next_checkpoint_at",
    "next_checkpoint_ends_at",
)

ENGAGEMENT_LIST_FIELDS = ("pk", "customer", "start_date", "tasks_done", "tasks_total")


@login_required
def engagement_floor(request, pk):
    """The rows behind the engagement task page and its dashboard."""
    events = list(
        ActivityEvent.objects.filter(engagement_id=pk)
        .order_by("-created_at")
        .values("id", "task_id", "actor_id", "kind", "changes", "created_at")[:RECENT_EVENTS]
    )
    actor_ids = {event["actor_id"] for event in events}
    return JsonResponse(
        {
            "engagement": Engagement.objects.filter(pk=pk).values().first(),
            "phases": list(Phase.objects.values()),
            "tasks": list(
                Task.objects.filter(engagement_id=pk).values(
                    "id",
                    "parent_id",
                    "phase_id",
                    "party",
                    "section",
                    "depth",
                    "position",
                    "text_pt",
                    "text_en",
                    "done",
                    "done_at",
                    "done_by_id",
                    "due_date",
                    "note",
                )
            ),
            "checkpoints": list(Checkpoint.objects.filter(engagement_id=pk).values()),
            "events": events,
            "users": list(
                get_user_model()
                .objects.filter(pk__in=actor_ids)
                .values("id", "username", "first_name", "last_name")
            ),
        }
    )


def _filters(request):
    """The phases (as JSON) and the filters, read from the query string as the pages read it."""
    phases, _form, filters, _query = portfolio_filters(request)
    return [{"id": phase.pk, "code": phase.code, "name": phase.name} for phase in phases], filters


@login_required
def portfolio_floor(request):
    """The rows behind a page of the portfolio table or matrix: the page's ids and count as the
    page reads them, then their fifty stored statuses. With `count=no`, the API's page: its
    ids as the API reads them, then their rows, uncounted."""
    phases, filters = _filters(request)
    now = timezone.now()
    if request.GET.get("count") == "no":
        ids = portfolio_ids_after(request.user, filters, now, after=None, size=PAGE_SIZE)
        shown = with_next_checkpoint(Engagement.objects.filter(pk__in=ids[:PAGE_SIZE]), now)
        return JsonResponse({"phases": phases, "rows": list(shown.values(*ROW_FIELDS))})
    page = portfolio_page_ids(request.user, filters, request.GET, now)
    shown = with_next_checkpoint(Engagement.objects.filter(pk__in=page.object_list), now)
    return JsonResponse(
        {"phases": phases, "count": page.count, "rows": list(shown.values(*ROW_FIELDS))}
    )


def feed_floor(request, token):
    """The rows behind a person's calendar feed: the checkpoints it lists (those to come and
    those just past, as bounded as the feed's) and the due dates."""
    user = calendar_feed_owner(token)
    now = timezone.now()
    upcoming, recent = feed_checkpoints(user, now)
    return JsonResponse(
        {
            "checkpoints": [
                *recent.values(*CHECKPOINT_FIELDS),
                *upcoming.values(*CHECKPOINT_FIELDS),
            ],
            "tasks": list(feed_tasks(user).values(*TASK_FIELDS)),
        }
    )


@login_required
def portfolio_all_floor(request):
    """The rows behind the portfolio's CSV: every stored status that passes the filters."""
    phases, filters = _filters(request)
    engagements = portfolio_queryset(request.user, filters, timezone.now())
    return JsonResponse({"phases": phases, "rows": list(engagements.values(*ROW_FIELDS))})


@login_required
def summary_floor(request):
    """The rows behind the summary: the summary's own grouped query, its rows as JSON."""
    phases, filters = _filters(request)
    groups = portfolio_summary_groups(request.user, filters, timezone.now())
    return JsonResponse({"phases": phases, "groups": list(groups)})


@login_required
def engagement_list_floor(request):
    """The rows behind the landing list: its page of engagements with their progress, and the
    count the pager shows."""
    page = engagement_list_page(
        request.user, EngagementSearchForm(request.GET).query(), request.GET
    )
    rows = [
        {name: getattr(engagement, name) for name in ENGAGEMENT_LIST_FIELDS}
        for engagement in page.object_list
    ]
    return JsonResponse({"count": page.count, "rows": rows})
