"""The planner's forms: which changes of a catalogue version to bring in, and a new scope."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_ITEM_KEY = re.compile(r"[-a-z0-9_]{1,80}")
MAX_ITEMS = 1000  # more than any catalogue holds


def _is_item_key(value) -> bool:
    return bool(_ITEM_KEY.fullmatch(str(value)))


class _PlanForm(forms.Form):
    # The fingerprint of the preview the user read (engagements/planner.py: Plan.fingerprint).
    plan = forms.RegexField(regex=_FINGERPRINT, widget=forms.HiddenInput)


class CatalogueApplyForm(_PlanForm):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    items = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any item key; the service applies only the plan's own changes among them.
        self.fields["items"].valid_value = _is_item_key

    def clean_items(self):
        items = self.cleaned_data["items"]
        if len(items) > MAX_ITEMS:
            raise forms.ValidationError(_("Too many changes chosen."))
        return set(items)
