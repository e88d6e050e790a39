"""The portfolio's filters and sort."""

from django import forms
from django.utils.translation import gettext_lazy as _

from engagements.status.rules import COMPLETED
from engagements.status.sorts import PORTFOLIO_SORTS
from fasttrack import bounds
from responsibilities.models import Service


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
    slip = forms.ChoiceField(
        label=_("Slip"),
        required=False,
        choices=[
            ("", _("any")),
            ("late", _("forecast after the planned end")),
            ("on_plan", _("forecast on or before the planned end")),
            ("none", _("no forecast")),
        ],
    )
    planned_end_from = forms.DateField(
        label=_("Planned end from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[bounds.validate_date_in_window],
    )
    planned_end_to = forms.DateField(
        label=_("Planned end to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[bounds.validate_date_in_window],
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
