"""The core's forms: ticking and changing tasks, searching engagements, inviting members, share
links."""

from django import forms
from django.utils.translation import gettext_lazy as _

from engagements.models import Role
from engagements.selectors.engagements import engagement_member_users, party_member_users
from fasttrack import bounds
from fasttrack.bounds import fits_an_id


class TaskDoneForm(forms.Form):
    """Names the state the user wants, so a repeated or crossed submit cannot flip it back."""

    done = forms.TypedChoiceField(
        choices=[("1", _("done")), ("0", _("not done"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("Say whether the task is done (1) or not done (0).")},
    )
    reason = forms.CharField(
        label=_("why"),
        max_length=bounds.REASON_MAX_LENGTH,
        required=False,
        validators=[bounds.validate_single_line],
    )


class TaskNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=bounds.NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[bounds.validate_multi_line],
    )


class TaskDueDateForm(forms.Form):
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter a real calendar date, as YYYY-MM-DD (for example 2026-12-31).")
        },
        validators=[bounds.validate_date_in_window],
    )


class TaskOwnerForm(forms.Form):
    """The owner is chosen among the members of the task's party; empty gives it back."""

    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        empty_label=_("nobody"),
        error_messages={"invalid_choice": _("Only a member of the task's party can own it.")},
    )

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = party_member_users(task.engagement_id, task.party)


class TaskBulkForm(forms.Form):
    """One change for several tasks: those ticked, or all that match the page's filters."""

    ACTIONS = [
        ("done", _("mark done")),
        ("not_done", _("mark not done")),
        ("due_date", _("set the due date")),
        ("owner", _("set the owner")),
        ("confirm", _("confirm ticks made for us")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    tasks = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    FILTERS_MAX_LENGTH = 1000
    filters = forms.CharField(required=False, max_length=FILTERS_MAX_LENGTH)
    due_date = forms.DateField(required=False, validators=[bounds.validate_date_in_window])
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Only a member of the task's party can own it.")},
    )

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = engagement_member_users(engagement)
        # Any id a database column can hold; the view keeps only the engagement's own tasks.
        self.fields["tasks"].valid_value = fits_an_id

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("tasks") and not cleaned.get("all_matching"):
            raise forms.ValidationError(_("Tick the tasks to change, or choose all matching."))
        if cleaned.get("action") == "due_date" and not cleaned.get("due_date"):
            self.add_error("due_date", _("Choose the due date to set."))
        return cleaned


class EngagementSearchForm(forms.Form):
    """The engagement list's search, by customer name, read from the query string."""

    q = forms.CharField(label=_("Customer"), required=False, max_length=100)

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


class InviteForm(forms.Form):
    # Internationalised domains are sent as IDNA (punycode), which every mail server takes; a
    # local part beyond ASCII needs SMTPUTF8 from every server on the way, so it is refused.
    email = forms.EmailField(
        label=_("Email"),
        error_messages={
            "invalid": _(
                "Enter a valid email address, with no accents or other non-ASCII letters "
                "before the @: the portal's email cannot reach those."
            )
        },
    )
    name = forms.CharField(
        label=_("Full name"),
        max_length=bounds.NAME_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=bounds.LABEL_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        help_text=_("Who the link is for, e.g. “Contoso steering committee”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most 90 days from today. The link stops working after that day."),
        validators=[bounds.validate_share_link_expiry],
    )
