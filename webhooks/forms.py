"""The form that registers a webhook; the service checks the same bounds again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds
from webhooks.addresses import validate_webhook_port


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Address (https://)"),
        max_length=bounds.URL_MAX_LENGTH,
        validators=[bounds.validate_single_line, bounds.validate_https_url, validate_webhook_port],
    )
    secret = forms.CharField(
        label=_("Secret"),
        min_length=bounds.WEBHOOK_SECRET_MIN_LENGTH,
        max_length=bounds.WEBHOOK_SECRET_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        widget=forms.PasswordInput,
        help_text=_(
            "Your receiver checks each request's signature with it. It is not shown again."
        ),
    )
    # A plain number, not a choice: an engagement outside the list is refused by the access
    # rules (404 or 403), as every engagement address is, not by a form error.
    engagement = forms.IntegerField(label=_("Events of"), required=False, widget=forms.Select)

    def __init__(self, *args, engagements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].widget.choices = [
            ("", _("all the engagements I see")),
            *((engagement.pk, engagement.customer) for engagement in engagements),
        ]
