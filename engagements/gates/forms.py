"""The forms of a phase's gate and of a task's evidence and comments; the services check the
same bounds again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds
from responsibilities.models import Party


class GateSignForm(forms.Form):
    party = forms.ChoiceField(choices=Party.choices)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=bounds.REASON_MAX_LENGTH,
        required=False,
        validators=[bounds.validate_single_line],
    )


class AcknowledgeForm(forms.Form):
    party = forms.ChoiceField(choices=Party.choices)


class GateReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it"),
        max_length=bounds.REASON_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        error_messages={"required": _("Say why the phase is reopened.")},
    )


class EvidenceForm(forms.Form):
    """A file or an https link, with an optional caption; `replaces` names the version a new
    one replaces."""

    file = forms.FileField(label=_("File"), required=False)
    url = forms.CharField(
        label=_("or a link (https)"),
        required=False,
        max_length=bounds.URL_MAX_LENGTH,
        validators=[bounds.validate_single_line, bounds.validate_https_url],
    )
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=bounds.CAPTION_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Choose a file or give a link (one of the two)."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=bounds.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[bounds.validate_multi_line],
    )
