from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import get_engagement_for_user, get_task_for_user
from .forms import TaskDoneForm, TaskDueDateForm, TaskNoteForm
from .models import Engagement
from .selectors import engagement_progress, engagement_recent_activity, engagement_task_groups


@login_required
def engagement_list(request):
    engagements = Engagement.objects.visible_to(request.user).with_task_counts()
    return render(request, "engagements/engagement_list.html", {"engagements": engagements})


@login_required
def engagement_detail(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "access": access,
            "engagement": engagement,
            "groups": engagement_task_groups(engagement),
            "progress": engagement_progress(engagement),
            "activity": engagement_recent_activity(engagement),
        },
    )


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
                "progress": engagement_progress(access.engagement),
                "activity": engagement_recent_activity(access.engagement),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    url = reverse("engagement-detail", args=[access.engagement.pk])
    return redirect(f"{url}#task-{task.pk}")


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@login_required
@require_POST
def task_set_done(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_done(
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
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_note(task=task, user=request.user, note=form.cleaned_data["note"])
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_due_date(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskDueDateForm(request.POST, engagement=access.engagement)
    if not form.is_valid():
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_due_date(
        task=task, user=request.user, due_date=form.cleaned_data["due_date"]
    )
    return _task_changed(request, access, task)
