from django import forms

from notifications.models import Delivery
from notifications.preferences import RULES


class PreferencesForm(forms.Form):
    """One choice per kind of notification; a kind left out keeps its choice. Every delivery is
    accepted here and the service says why one is not allowed for a kind (a required kind, or
    the digest for a meeting's note), so a hand-made request gets the same reason as the page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, rule in RULES.items():
            self.fields[kind] = forms.ChoiceField(
                label=rule.label,
                choices=Delivery.choices,
                required=False,
                widget=forms.RadioSelect,
            )
