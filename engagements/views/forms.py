from django import forms
from django.utils.translation import gettext_lazy as _

from engagements.meetings.selectors import engagement_member_users
from engagements.models import Role
from engagements.selectors.engagements import party_member_users
from engagements.status.portfolio import PORTFOLIO_SORTS
from engagements.status.rules import COMPLETED
from fasttrack import bounds
from responsibilities.models import Party, Service


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


class GateSignForm(forms.Form):
    party = forms.ChoiceField(choices=Party.choices)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=bounds.REASON_MAX_LENGTH,
        required=False,
        validators=[bounds.validate_single_line],
    )


class AcknowledgeForm(forms.Form):
    party = forms.ChoiceField(choices=Party.choices)


class GateReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it"),
        max_length=bounds.REASON_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        error_messages={"required": _("Say why the phase is reopened.")},
    )


class TaskNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=bounds.NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[bounds.validate_multi_line],
    )


class EvidenceForm(forms.Form):
    """A file or an https link, with an optional caption; `replaces` names the version a new
    one replaces."""

    file = forms.FileField(label=_("File"), required=False)
    url = forms.CharField(
        label=_("or a link (https)"),
        required=False,
        max_length=bounds.URL_MAX_LENGTH,
        validators=[bounds.validate_single_line, bounds.validate_https_url],
    )
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=bounds.CAPTION_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Choose a file or give a link (one of the two)."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=bounds.COMMENT_MAX_LENGTH,
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


LARGEST_ID = 2**63 - 1


def fits_an_id(value) -> bool:
    """Ids past a 64-bit integer would make the database raise instead of finding nothing."""
    return str(value).isdecimal() and int(value) <= LARGEST_ID


class EngagementSearchForm(forms.Form):
    """The engagement list's search, by customer name, read from the query string."""

    q = forms.CharField(label=_("Customer"), required=False, max_length=100)

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


class PortfolioFilterForm(forms.Form):
    """The portfolio's filters and sort, read from the query string; bad values are ignored."""

    q = forms.CharField(label=_("Customer"), required=False, max_length=100)
    phase = forms.ChoiceField(label=_("Current phase"), required=False)
    service = forms.ChoiceField(
        label=_("Service"), required=False, choices=[("", _("any"))] + Service.choices
    )
    at_risk = forms.ChoiceField(
        label=_("At risk"),
        required=False,
        choices=[("", _("any")), ("yes", _("at risk")), ("no", _("on track"))],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, phases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = (
            [("", _("any"))]
            + [(phase.code, phase.name) for phase in phases]
            + [(COMPLETED, _("Completed"))]
        )

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort.lstrip("-") in PORTFOLIO_SORTS else ""

    def filters(self) -> dict:
        """The valid filters (an invalid one is dropped rather than failing the page)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


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
