"""The floor: the rows a page shows, fetched with .values() (one query per table) and returned
as JSON without a template. It is the cost of the data alone, to compare the pages with."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone

from engagements.models import ActivityEvent, Checkpoint, Engagement, Task
from responsibilities.models import Phase

RECENT_EVENTS = 30
PAGE = 50


@login_required
def engagement_floor(request, pk):
    """The rows behind the engagement task page and its dashboard."""
    events = list(
        ActivityEvent.objects.filter(engagement_id=pk)
        .order_by("-created_at")
        .values("id", "task_id", "actor_id", "kind", "old_value", "new_value", "created_at")[
            :RECENT_EVENTS
        ]
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


@login_required
def portfolio_floor(request):
    """The rows behind the portfolio's first page (and the matrix's): fifty engagements, the
    tasks their figures come from, their upcoming checkpoints and their activity times."""
    engagements = list(Engagement.objects.order_by("customer", "pk").values()[:PAGE])
    ids = [engagement["id"] for engagement in engagements]
    return JsonResponse(
        {
            "engagements": engagements,
            "phases": list(Phase.objects.values()),
            "tasks": list(
                Task.objects.filter(engagement_id__in=ids).values(
                    "engagement_id", "phase_id", "party", "done", "due_date", "done_at"
                )
            ),
            "checkpoints": list(
                Checkpoint.objects.filter(
                    engagement_id__in=ids, cancelled_at__isnull=True, starts_at__gt=timezone.now()
                ).values("engagement_id", "title", "starts_at", "phase_id")
            ),
            "events": list(
                ActivityEvent.objects.filter(engagement_id__in=ids).values(
                    "engagement_id", "created_at"
                )
            ),
        }
    )
