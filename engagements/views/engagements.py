"""The engagement list, an engagement's task page and its dashboard."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from engagements.access import (
    EngagementAccess,
    get_engagement_for_user,
)
from engagements.activity.selectors import engagement_burnup, engagement_recent_activity
from engagements.gates.evidence_views import EVIDENCE_DRAFT_SESSION_KEY
from engagements.gates.selectors import gate_panels
from engagements.meetings.selectors import engagement_checkpoints
from engagements.planning.selectors import mark_due_by_phase_end
from engagements.selectors.engagements import engagement_list_page
from engagements.selectors.tasks import (
    engagement_due_tasks,
    engagement_tasks,
    phase_sections,
    task_groups,
)
from engagements.status.charts import burnup_chart, burnup_plan
from engagements.status.selectors import engagement_progress, engagement_statuses
from engagements.status.timeline import engagement_timeline
from engagements.views.filters import TaskFilter
from engagements.views.forms import EngagementSearchForm
from responsibilities.models import Phase


@login_required
def engagement_list(request):
    """Where staff, leads and members land: their engagements, searched and paged."""
    form = EngagementSearchForm(request.GET)
    query = form.query()
    page = engagement_list_page(request.user, query, request.GET)
    return render(
        request,
        "engagements/engagement_list.html",
        {
            "form": form,
            "searched": query,
            "page": page,
            "engagements": page.object_list,
            "query": urlencode({"q": query}) if query else "",
        },
    )


@login_required
def engagement_detail(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    owner_choices = access.owner_choices()
    phases = list(Phase.objects.order_by("order"))
    task_filter = TaskFilter(
        request.GET or None,
        user=request.user,
        members=[user for users in owner_choices.values() for user in users],
        phases=phases,
    )
    tasks = engagement_tasks(engagement, task_filter.tasks_of(engagement))
    mark_due_by_phase_end(engagement, tasks)
    # A refused evidence form is shown again once, as the person left it.
    draft = request.session.pop(EVIDENCE_DRAFT_SESSION_KEY, None)
    # Every row asks for a draft: one missing on a model instance costs Django a dir() of it.
    for task in tasks:
        task.evidence_draft = draft if draft and task.pk == draft["task"] else None
    # Withdrawn tasks are out of the work: they fold into a group of their own, below.
    groups = task_groups([task for task in tasks if not task.is_withdrawn])
    sections = phase_sections(groups)
    progress = engagement_progress(engagement, timezone.now(), phases)
    panels = gate_panels(access, phases, progress)
    for section in sections:
        section.gate = panels.get(section.phase.pk) if section.phase else None
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "access": access,
            "engagement": engagement,
            "filter": task_filter,
            "groups": groups,
            "sections": sections,
            "first_phase": phases[0] if phases else None,
            "withdrawn": [task for task in tasks if task.is_withdrawn],
            "matching": sum(section.task_count for section in sections),
            "phase_task_count": sum(s.task_count for s in sections if s.phase),
            "standing_count": sum(s.task_count for s in sections if not s.phase),
            # A phase whose tasks are all done folds away unless a filter asks for tasks.
            "folded": set() if task_filter.applied else progress.done_phases(),
            "owner_choices": owner_choices,
            "page_filters": request.GET.urlencode(),
            "bulk_owner_choices": access.bulk_owner_choices(),
            "progress": progress,
            "activity": engagement_recent_activity(engagement),
            "checkpoints": engagement_checkpoints(engagement, timezone.now()),
        },
    )


def dashboard_context(access: EngagementAccess, now: datetime.datetime) -> dict:
    """The dashboard's figures, for a member's page and a share link's alike."""
    engagement = access.engagement
    status = engagement_statuses([engagement], now)[engagement.pk]
    today = timezone.localdate(now)
    progress, timeline = status.progress(), engagement_timeline(status, today)
    return {
        "access": access,
        "engagement": engagement,
        "status": status,
        "progress": progress,
        "risk_reasons": status.risk_reasons(now),
        "level": status.level(now),
        "plan": status.plan_for(today),
        "due": engagement_due_tasks(engagement, today),
        "burnup": burnup_chart(
            engagement_burnup(engagement, today),
            status.overall.total,
            **burnup_plan(timeline.plan, progress),
        ),
        "timeline": timeline,
        "activity": engagement_recent_activity(engagement),
    }


@login_required
def engagement_dashboard(request, pk):
    access = get_engagement_for_user(request.user, pk)
    return render(request, "engagements/dashboard.html", dashboard_context(access, timezone.now()))
