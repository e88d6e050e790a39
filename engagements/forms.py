from django import forms
from django.utils.translation import gettext_lazy as _


class TaskDoneForm(forms.Form):
    """Names the state the user wants, so a repeated or crossed submit cannot flip it back."""

    done = forms.TypedChoiceField(
        choices=[("1", _("done")), ("0", _("not done"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("Say whether the task is done (1) or not done (0).")},
    )
    reason = forms.CharField(label=_("why"), max_length=500, required=False)


class TaskNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
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
    )

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.engagement = engagement

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date and due_date < self.engagement.purchase_date:
            raise forms.ValidationError(
                _("A due date cannot be before the licence purchase date (%(date)s)."),
                params={"date": self.engagement.purchase_date.isoformat()},
            )
        return due_date
