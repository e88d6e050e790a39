"""Ticking a task and changing its note or due date, by htmx swap or plain form post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from engagements.access import get_engagement_for_user, get_task_for_user
from engagements.activity.selectors import engagement_recent_activity
from engagements.gates.selectors import gate_panels
from engagements.models import Task
from engagements.planning.selectors import mark_due_by_phase_end
from engagements.selectors.tasks import attach_threads
from engagements.services import tasks as task_services
from engagements.status.selectors import engagement_progress
from engagements.views.common import first_error
from engagements.views.filters import TaskFilter
from engagements.views.forms import (
    TaskBulkForm,
    TaskDoneForm,
    TaskDueDateForm,
    TaskNoteForm,
    TaskOwnerForm,
)
from responsibilities.models import Phase


def _task_changed(request, access, task, *, error=None):
    """Answer an htmx request with the row and what it changed; anything else with a redirect."""
    if request.headers.get("HX-Request"):
        (task,) = attach_threads(access.engagement, [task])
        mark_due_by_phase_end(access.engagement, [task])
        phases = list(Phase.objects.order_by("order"))
        progress = engagement_progress(access.engagement, timezone.now(), phases)
        # A tick or a confirmation can change what the phase's gate offers: it is swapped too.
        gate = gate_panels(access, phases, progress).get(task.phase_id) if task.phase_id else None
        return render(
            request,
            "engagements/_task_changed.html",
            {
                "access": access,
                "engagement": access.engagement,
                "task": task,
                "error": error,
                "owner_choices": access.owner_choices(),
                "progress": progress,
                "gate": gate,
                "activity": engagement_recent_activity(access.engagement),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    url = reverse("engagement-detail", args=[access.engagement.pk])
    return redirect(f"{url}#task-{task.pk}")


@login_required
@require_POST
def task_set_done(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    access.require(access.can_change_task(task))
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=first_error(form))
    try:
        task = task_services.task_set_done(
            task=task,
            user=request.user,
            done=form.cleaned_data["done"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:  # the phase is signed off
        return _task_changed(request, access, task, error=" ".join(error.messages))
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_confirm(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    access.require(access.can_confirm_task(task))
    task = task_services.task_confirm(task=task, user=request.user)
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_note(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskNoteForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=first_error(form))
    task = task_services.task_set_note(task=task, user=request.user, note=form.cleaned_data["note"])
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_due_date(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskDueDateForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=first_error(form))
    try:
        task = task_services.task_set_due_date(
            task=task, user=request.user, due_date=form.cleaned_data["due_date"]
        )
    except ValidationError as error:
        return _task_changed(request, access, task, error=" ".join(error.messages))
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_owner(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    access.require(access.can_assign_owner(task))
    form = TaskOwnerForm(request.POST, task=task)
    if not form.is_valid():
        return _task_changed(request, access, task, error=first_error(form))
    task = task_services.task_set_owner(
        task=task, user=request.user, owner=form.cleaned_data["owner"]
    )
    return _task_changed(request, access, task)


@login_required
@require_POST
def tasks_bulk(request, pk):
    """One change to the ticked tasks, or to all that match the page's filters: all of them
    or, if any is not the user's to change, none."""
    access = get_engagement_for_user(request.user, pk, write=True)
    engagement = access.engagement
    form = TaskBulkForm(request.POST, engagement=engagement)
    filters = QueryDict(form.data.get("filters", "")[: TaskBulkForm.FILTERS_MAX_LENGTH])
    back = redirect(f"{reverse('engagement-detail', args=[pk])}?{filters.urlencode()}")
    if not form.is_valid():
        messages.error(request, first_error(form))
        return back
    data = form.cleaned_data
    if data["all_matching"]:
        members = [user for users in access.owner_choices().values() for user in users]
        task_filter = TaskFilter(
            filters, user=request.user, members=members, phases=Phase.objects.order_by("order")
        )
        # Withdrawn tasks match no change: they are out of the engagement's work. General
        # responsibilities are never ticked nor due, so "all" means all the phases' tasks.
        matching = task_filter.tasks_of(engagement).in_force()
        if data["action"] in ("done", "not_done", "due_date"):
            matching = matching.exclude(phase=None)
        tasks = list(matching)
        # A page ignores a filter that no longer holds; a change to "all matching" must not,
        # or it would reach every task the dropped filter kept out.
        if not task_filter.form.is_valid():
            messages.error(
                request,
                _("Nothing was changed: the filters no longer hold (a member may have left)."),
            )
            return back
    else:
        tasks = list(Task.objects.filter(engagement=engagement, pk__in=data["tasks"]))
        if len(tasks) != len(set(data["tasks"])):
            raise Http404(_("This engagement has no such task."))
    may_change = {
        "due_date": lambda task: access.can_edit_task_details,
        "confirm": access.can_confirm_task,
    }.get(data["action"], access.can_change_task)
    refused = [task for task in tasks if not may_change(task)]
    if refused:
        raise PermissionDenied(
            ngettext(
                "Nothing was changed: %(count)d of the chosen tasks is not yours to change.",
                "Nothing was changed: %(count)d of the chosen tasks are not yours to change.",
                len(refused),
            )
            % {"count": len(refused)}
        )
    try:
        count = task_services.tasks_bulk_change(
            tasks=tasks,
            user=request.user,
            action=data["action"],
            due_date=data["due_date"],
            owner=data["owner"],
        )
    except ValidationError as error:
        messages.error(
            request, _("Nothing was changed: %(why)s") % {"why": " ".join(error.messages)}
        )
        return back
    messages.success(
        request,
        ngettext("%(count)d task changed.", "%(count)d tasks changed.", count) % {"count": count},
    )
    return back
