"""The planner's forms: which changes of a catalogue version to bring in, and a new scope."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from engagements.models import MIN_ELIGIBLE_LICENCES, Engagement, Option
from engagements.sync.services import SCOPE_FIELDS
from fasttrack import bounds
from responsibilities.models import Service

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_ITEM_KEY = re.compile(r"[-a-z0-9_]{1,80}")
MAX_ITEMS = 1000  # more than any catalogue holds


def _is_item_key(value) -> bool:
    return bool(_ITEM_KEY.fullmatch(str(value)))


class CatalogueApplyForm(forms.Form):
    # The fingerprint of the preview the user read (engagements/sync/planner.py: Plan.fingerprint).
    plan = forms.RegexField(regex=_FINGERPRINT, widget=forms.HiddenInput)
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


class ScopeForm(forms.Form):
    """An engagement's services, options and licence count, as the admin's form has them."""

    # Empty while the form asks for a preview; the preview's fingerprint when it applies it.
    plan = forms.RegexField(regex=_FINGERPRINT, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SCOPE_FIELDS:
            field = Engagement._meta.get_field(name)
            if name == "licence_count":
                self.fields[name] = forms.IntegerField(
                    label=field.verbose_name,
                    min_value=MIN_ELIGIBLE_LICENCES,
                    max_value=bounds.LICENCE_MAX_COUNT,
                )
            else:
                self.fields[name] = forms.BooleanField(label=field.verbose_name, required=False)

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(service) for service in Service.values):
            raise forms.ValidationError(_("Choose at least one service in scope."))
        return cleaned

    @property
    def scope(self) -> dict:
        return {name: self.cleaned_data[name] for name in SCOPE_FIELDS}

    def services(self):
        return [self[name] for name in Service.values]

    def options(self):
        return [self[name] for name in Option.values]
