from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile
from .zones import time_zone_choices


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = Profile
        fields = ["language", "time_zone", "receives_digest"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(
            self.instance.time_zone if self.instance.pk else None
        )
