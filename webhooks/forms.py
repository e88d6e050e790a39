"""The form that registers a webhook; the service checks the same bounds again."""

from django import forms
from django.conf import settings
from django.core.validators import MinLengthValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds
from webhooks.addresses import validate_webhook_port
from webhooks.models import WebhookKind


class WebhookForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=WebhookKind.choices,
        initial=WebhookKind.JSON,
        widget=forms.RadioSelect,
        # Left out, as by scripts written before Teams channels, it is signed JSON.
        required=False,
    )
    url = forms.CharField(
        label=_("Address (https://)"),
        max_length=bounds.URL_MAX_LENGTH,
        validators=[bounds.validate_single_line, bounds.validate_https_url, validate_webhook_port],
        help_text=_(
            "For a Teams channel: the address of a Workflows flow that starts “When a Teams "
            "webhook request is received” and posts the card in the channel."
        ),
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        max_length=bounds.WEBHOOK_SECRET_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        widget=forms.PasswordInput,
        help_text=_(
            "Signed JSON only: your receiver checks each request's signature with it. It is "
            "not shown again."
        ),
    )
    language = forms.ChoiceField(
        label=_("Cards written in"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Teams channel only."),
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
        self.fields["language"].initial = (get_language() or settings.LANGUAGE_CODE).lower()

    def clean(self):
        cleaned = super().clean()
        cleaned["kind"] = cleaned.get("kind") or WebhookKind.JSON
        if cleaned["kind"] == WebhookKind.JSON:
            secret = cleaned.get("secret", "")
            try:
                MinLengthValidator(bounds.WEBHOOK_SECRET_MIN_LENGTH)(secret)
            except forms.ValidationError as error:
                self.add_error("secret", error)
        elif not cleaned.get("language"):
            self.add_error("language", _("Choose the language of the channel's cards."))
        return cleaned
