"""The floors: the rows a page needs, fetched the cheapest way (`.values()` of the stored status
or of the aggregates, one query per table) and returned as JSON without a template. A floor is
a lower bound on its page: the page fetches the same rows and also renders them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone

from accounts.selectors import calendar_feed_owner
from engagements.meetings.feeds import CHECKPOINT_FIELDS, TASK_FIELDS, feed_checkpoints, feed_tasks
from engagements.models import ActivityEvent, Checkpoint, Engagement, Task
from engagements.models.stored_status import STORED_FIELDS
from engagements.selectors.engagements import engagement_list_for
from engagements.selectors.keyset import PAGE_SIZE
from engagements.status.portfolio import portfolio_queryset, portfolio_summary_groups
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


def _last_first(request, engagements):
    """The last page's order (`last=1`): the list's, reversed, so its rows come first."""
    return engagements.reverse() if request.GET.get("last") == "1" else engagements


@login_required
def portfolio_floor(request):
    """The rows behind a page of the portfolio table or matrix: the page's fifty stored
    statuses and the count the pager shows (the API shows none: `count=no`)."""
    phases, filters = _filters(request)
    engagements = _last_first(request, portfolio_queryset(request.user, filters, timezone.now()))
    counted = {} if request.GET.get("count") == "no" else {"count": engagements.count()}
    return JsonResponse(
        {"phases": phases, **counted, "rows": list(engagements.values(*ROW_FIELDS)[:PAGE_SIZE])}
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
    """The rows behind the landing list: a page of engagements with their progress, and the
    count the pager shows."""
    engagements = _last_first(
        request, engagement_list_for(request.user, EngagementSearchForm(request.GET).query())
    )
    return JsonResponse(
        {
            "count": engagements.count(),
            "rows": list(
                engagements.values("pk", "customer", "start_date", "tasks_done", "tasks_total")[
                    :PAGE_SIZE
                ]
            ),
        }
    )
