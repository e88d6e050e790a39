"""Adding a one-off task: one the catalogue does not hold, for a party the manager answers for."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from engagements.access import get_engagement_for_user
from engagements.services.one_off import task_add_one_off
from fasttrack import bounds
from responsibilities.models import PARTIES, Party, Phase


class OneOffTaskForm(forms.Form):
    """The service checks every bound and rule again."""

    party = forms.ChoiceField(label=gettext_lazy("Party"))
    phase = forms.ModelChoiceField(
        label=gettext_lazy("Phase"), queryset=Phase.objects.order_by("order"), empty_label=None
    )
    text = forms.CharField(
        label=gettext_lazy("What is to be done"),
        max_length=bounds.TASK_TEXT_MAX_LENGTH,
        validators=[bounds.validate_single_line],
        error_messages={"required": gettext_lazy("Say what is to be done.")},
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Written in"),
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("Everyone reads the task as you typed it."),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": gettext_lazy(
                "Enter a real calendar date, as YYYY-MM-DD (for example 2026-12-31)."
            )
        },
        validators=[bounds.validate_date_in_window],
    )
    owner = forms.TypedChoiceField(
        label=gettext_lazy("Owner"), required=False, coerce=int, empty_value=None
    )
    evidence_required = forms.BooleanField(
        label=gettext_lazy("Needs evidence before it can be marked done"), required=False
    )
    evidence_hint = forms.CharField(
        label=gettext_lazy("What evidence"),
        required=False,
        max_length=bounds.TASK_TEXT_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        parties = [(code, label) for code, label in Party.choices if access.can_add_task(code)]
        self.fields["party"].choices = parties
        owners = access.owner_choices()
        # Only the people of the parties offered: the service refuses anyone else.
        self.fields["owner"].choices = [("", _("nobody"))] + [
            (str(label), [(user.pk, user.get_full_name() or user.get_username())])
            for code, label in parties
            for user in owners.get(code, [])
        ]
        self.users = {user.pk: user for code, _label in parties for user in owners.get(code, [])}
        self.fields["language"].initial = (get_language() or "pt-br").lower()


@login_required
def task_add(request, pk):
    access = get_engagement_for_user(request.user, pk, write=True)
    access.require(access.can_add_tasks)
    # A party the manager does not answer for is refused as the rules refuse it, not as a
    # typing error: the form never offers it.
    if request.POST.get("party") in PARTIES:
        access.require(access.can_add_task(request.POST["party"]))
    form = OneOffTaskForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = task_add_one_off(
                engagement=access.engagement,
                user=request.user,
                party=data["party"],
                phase=data["phase"],
                text=data["text"],
                language=data["language"],
                due_date=data["due_date"],
                owner=form.users.get(data["owner"]) if data["owner"] else None,
                evidence_required=data["evidence_required"],
                evidence_hint=data["evidence_hint"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Task added."))
            url = reverse("engagement-detail", args=[access.engagement.pk])
            return redirect(f"{url}#task-{task.pk}")
    return render(
        request,
        "engagements/task_add.html",
        {"engagement": access.engagement, "access": access, "form": form},
    )
