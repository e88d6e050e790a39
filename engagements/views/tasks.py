"""Ticking a task and changing its note or due date, by htmx swap or plain form post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_task_for_user
from ..forms import TaskDoneForm, TaskDueDateForm, TaskNoteForm, TaskOwnerForm
from ..selectors.activity import engagement_recent_activity
from ..selectors.status import engagement_progress
from ..services import tasks as task_services
from .common import first_error


def _task_changed(request, access, task, *, error=None):
    """Answer an htmx request with the row and what it changed; anything else with a redirect."""
    if request.headers.get("HX-Request"):
        return render(
            request,
            "engagements/_task_changed.html",
            {
                "access": access,
                "engagement": access.engagement,
                "task": task,
                "error": error,
                "owner_choices": access.owner_choices(),
                "progress": engagement_progress(access.engagement, timezone.now()),
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
    task = task_services.task_set_done(
        task=task,
        user=request.user,
        done=form.cleaned_data["done"],
        reason=form.cleaned_data["reason"],
    )
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
    form = TaskDueDateForm(request.POST, engagement=access.engagement)
    if not form.is_valid():
        return _task_changed(request, access, task, error=first_error(form))
    task = task_services.task_set_due_date(
        task=task, user=request.user, due_date=form.cleaned_data["due_date"]
    )
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
