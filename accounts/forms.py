from django import forms
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds

from .models import Profile, TokenAccess
from .zones import current_name, time_zone_choices


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = Profile
        fields = ["language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = current_name(self.instance.time_zone) if self.instance.pk else None
        self.fields["time_zone"].choices = time_zone_choices(current)
        # A zone saved under a name since retired shows (and saves) as its current one.
        if current and not self.is_bound:
            self.initial["time_zone"] = current


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=bounds.LABEL_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        help_text=_("What the token is for, e.g. “weekly status script”."),
    )
    access = forms.ChoiceField(label=_("Access"), choices=TokenAccess.choices)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most a year from today. The token stops working after that day."),
        validators=[bounds.validate_access_token_expiry],
    )
