"""The checkpoint form: when, where, with whom, and the agenda a new one starts with."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagements.models import CheckpointKind
from engagements.selectors.engagements import engagement_member_users
from fasttrack import bounds
from fasttrack.bounds import fits_an_id
from responsibilities.models import Phase

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    """Members by id; an id no database column could hold is refused like any stranger's."""

    def _check_values(self, value):
        for pk in value:
            if not fits_an_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


def local_moment_field(**options) -> forms.DateTimeField:
    """A moment typed in the browser's date-and-time picker, within the bounds' window."""
    return forms.DateTimeField(
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        validators=[bounds.validate_datetime_in_window],
        **options,
    )


class CheckpointForm(forms.Form):
    """Times are read in the user's time zone; the service checks them against now."""

    title = forms.CharField(
        label=_("Title"),
        max_length=bounds.TITLE_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckpointKind.choices)
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.all())
    starts_at = local_moment_field(label=_("Starts"))
    ends_at = local_moment_field(
        label=_("Ends"), required=False, help_text=_("Leave empty for a one-hour meeting.")
    )
    location = forms.CharField(
        label=_("Place or meeting link"),
        max_length=bounds.LOCATION_MAX_LENGTH,
        required=False,
        validators=[bounds.validate_single_line],
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=bounds.AGENDA_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[bounds.validate_multi_line],
    )
    attendees = MemberChoiceField(
        label=_("Attendees"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Only members of this engagement can attend (%(value)s is not)."),
        },
    )

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = engagement_member_users(engagement)
        self.fields["attendees"].label_from_instance = lambda user: bounds.without_bidi_controls(
            user.get_full_name() or user.username
        )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and not ends_at:
            cleaned["ends_at"] = ends_at = starts_at + USUAL_CHECKPOINT_LENGTH
        if starts_at and ends_at:
            try:
                bounds.validate_checkpoint_duration(starts_at, ends_at)
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


USUAL_CHECKPOINT_LENGTH = datetime.timedelta(hours=1)


def usual_agenda(phase: Phase) -> str:
    """What a checkpoint of the phase usually covers, in the active language."""
    return gettext(
        "1. Where %(phase)s stands: %(goal)s\n"
        "2. Open tasks of each party, and who owns them\n"
        "3. Overdue tasks and risks\n"
        "4. Next steps and the next checkpoint"
    ) % {"phase": phase.name, "goal": phase.goal}


def new_checkpoint_initial(engagement, current_phase: Phase | None, now) -> dict:
    """A new checkpoint's form: the current phase and its usual agenda, tomorrow at 10:00 for
    an hour, every member invited."""
    phase = current_phase or Phase.objects.order_by("-order").first()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    starts_at = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(10)))
    return {
        "phase": phase,
        "kind": CheckpointKind.KICKOFF if phase.order == 1 else CheckpointKind.CHECKPOINT_CALL,
        "starts_at": starts_at,
        "ends_at": starts_at + USUAL_CHECKPOINT_LENGTH,
        "agenda": usual_agenda(phase),
        "attendees": list(engagement.memberships.values_list("user_id", flat=True)),
    }


def _brief_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=bounds.BRIEF_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[bounds.validate_multi_line],
    )


class CheckpointBriefForm(forms.Form):
    """What the managers tell the executives in the status report filed after the meeting."""

    summary = _brief_field(_("Summary"), _("Where the engagement stands, in a few sentences."))
    decisions = _brief_field(
        _("Decisions and help needed"), _("What the executives need to decide or unblock.")
    )
    next_steps = _brief_field(_("Next steps"), _("What happens before the next checkpoint."))
