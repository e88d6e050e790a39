"""Scheduling, changing, cancelling and reading checkpoint meetings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_checkpoint_for_user, get_engagement_for_user
from engagements.meetings import services as checkpoint_services
from engagements.meetings.briefs import brief_can_change, checkpoint_brief_write
from engagements.meetings.forms import CheckpointBriefForm, CheckpointForm, new_checkpoint_initial
from engagements.meetings.selectors import (
    checkpoint_attendees,
    checkpoint_brief,
    checkpoint_notifications,
)
from engagements.models import BRIEF_FIELDS
from engagements.status.selectors import engagement_statuses

_EDITABLE_FIELDS = ("title", "kind", "phase", "starts_at", "ends_at", "location", "agenda")


def _checkpoint_form(request, access, *, initial, save, saved_message, checkpoint=None):
    """Show the form on GET; on POST validate it, call `save` with its data and go to the
    checkpoint, or show the form again with what was wrong."""
    engagement = access.engagement
    if request.method != "POST":
        form = CheckpointForm(engagement=engagement, initial=initial)
    else:
        form = CheckpointForm(request.POST, engagement=engagement)
        if form.is_valid():
            try:
                saved = save(**form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, saved_message)
                return redirect("checkpoint-detail", pk=engagement.pk, checkpoint_pk=saved.pk)
    return render(
        request,
        "engagements/checkpoint_form.html",
        {"access": access, "engagement": engagement, "form": form, "checkpoint": checkpoint},
    )


@login_required
def checkpoint_new(request, pk):
    access = get_engagement_for_user(request.user, pk, write=True)
    engagement = access.engagement
    now = timezone.now()

    def save(**fields):
        return checkpoint_services.checkpoint_schedule(
            engagement=engagement, user=request.user, **fields
        )

    return _checkpoint_form(
        request,
        access,
        initial=new_checkpoint_initial(
            engagement,
            engagement_statuses([engagement], now)[engagement.pk].current_phase,
            now,
        ),
        save=save,
        saved_message=_("Checkpoint scheduled; its attendees will be reminded."),
    )


@login_required
def checkpoint_edit(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk, write=True)
    access.require(access.can_change_checkpoint(checkpoint))
    initial = {field: getattr(checkpoint, field) for field in _EDITABLE_FIELDS}
    initial["attendees"] = list(checkpoint.attendees.values_list("pk", flat=True))

    def save(**fields):
        return checkpoint_services.checkpoint_update(
            checkpoint=checkpoint, user=request.user, **fields
        )

    return _checkpoint_form(
        request,
        access,
        initial=initial,
        save=save,
        saved_message=_("Checkpoint changed; reminders follow the new details."),
        checkpoint=checkpoint,
    )


@login_required
@require_POST
def checkpoint_cancel(request, pk, checkpoint_pk):
    _access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk, write=True)
    try:
        checkpoint_services.checkpoint_cancel(checkpoint=checkpoint, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Checkpoint cancelled; its attendees are being told."))
    return redirect("checkpoint-detail", pk=pk, checkpoint_pk=checkpoint_pk)


def _detail(request, access, checkpoint, *, brief_form=None, status=200):
    brief = checkpoint_brief(checkpoint)
    can_write_brief = access.can_schedule_checkpoints and brief_can_change(checkpoint)
    if can_write_brief and brief_form is None:
        brief_form = CheckpointBriefForm(
            initial={name: getattr(brief, name) for name in BRIEF_FIELDS} if brief else None
        )
    return render(
        request,
        "engagements/checkpoint_detail.html",
        {
            "access": access,
            "engagement": access.engagement,
            "checkpoint": checkpoint,
            "attendees": checkpoint_attendees(checkpoint),
            "notifications": checkpoint_notifications(checkpoint),
            "can_change": access.can_change_checkpoint(checkpoint),
            "brief": brief,
            "brief_form": brief_form if can_write_brief else None,
        },
        status=status,
    )


@login_required
def checkpoint_detail(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    return _detail(request, access, checkpoint)


@login_required
@require_POST
def checkpoint_brief_save(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk, write=True)
    form = CheckpointBriefForm(request.POST)
    if not form.is_valid():
        return _detail(request, access, checkpoint, brief_form=form, status=400)
    try:
        checkpoint_brief_write(checkpoint=checkpoint, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        # The meeting was cancelled or its report filed since the page was shown.
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Brief saved; the checkpoint's status report carries it."))
    return redirect("checkpoint-detail", pk=pk, checkpoint_pk=checkpoint_pk)
