"""The re-plan form: a start and an end per phase, and why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter a real calendar date, as YYYY-MM-DD (for example 2026-12-31).")
        },
        validators=[bounds.validate_date_in_window],
    )


class PlanForm(forms.Form):
    """One `<code>_start` and `<code>_end` per phase (the names the service's errors use)."""

    reason = forms.CharField(
        label=_("Why the plan changes"),
        max_length=bounds.REASON_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        error_messages={"required": _("Say why the plan changes.")},
    )

    def __init__(self, *args, phases, **kwargs):
        super().__init__(*args, **kwargs)
        self.phases = phases
        for phase in phases:
            self.fields[f"{phase.code}_start"] = _date_field(
                _("%(phase)s: planned start") % {"phase": phase.name}
            )
            self.fields[f"{phase.code}_end"] = _date_field(
                _("%(phase)s: planned end") % {"phase": phase.name}
            )
        # The reason after the dates, as it reads.
        self.order_fields([*(name for name in self.fields if name != "reason"), "reason"])

    def phase_rows(self):
        """Each phase with its two fields, for the template's table."""
        return [
            (phase, self[f"{phase.code}_start"], self[f"{phase.code}_end"]) for phase in self.phases
        ]

    def dates(self) -> dict:
        data = self.cleaned_data
        return {p.code: (data[f"{p.code}_start"], data[f"{p.code}_end"]) for p in self.phases}
