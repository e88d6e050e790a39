"""The task page's filters, read from the query string, so a filtered view is a link to keep or
share and works without JavaScript."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models import Task
from fasttrack import bounds
from responsibilities.models import Party

GENERAL = "general"
ME, NOBODY = "me", "nobody"


class TaskFilter(django_filters.FilterSet):
    party = django_filters.ChoiceFilter(
        label=_("Party"), choices=Party.choices, empty_label=_("any")
    )
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), method="filter_phase", empty_label=_("any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("open")), ("done", _("done"))],
        method="filter_status",
        empty_label=_("any"),
    )
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        choices=[
            ("overdue", _("overdue")),
            ("week", _("within 7 days")),
            ("soon", _("overdue or within 7 days")),
            ("none", _("no due date")),
        ],
        method="filter_due",
        empty_label=_("any"),
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), method="filter_owner", empty_label=_("anyone")
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=bounds.SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    class Meta:
        model = Task
        fields = ["party", "phase", "status", "due", "owner", "q"]

    def __init__(self, data=None, *, user, members, phases, today: datetime.date | None = None):
        super().__init__(data, queryset=Task.objects.none())
        self.user, self.today = user, today or timezone.localdate()
        self.filters["phase"].extra["choices"] = [(GENERAL, _("General responsibilities"))] + [
            (phase.code, phase.name) for phase in phases
        ]
        self.filters["owner"].extra["choices"] = [(ME, _("me")), (NOBODY, _("nobody"))] + [
            (
                str(user.pk),
                bounds.without_bidi_controls(user.get_full_name() or user.get_username()),
            )
            for user in members
        ]

    def filter_phase(self, queryset, name, value):
        if value == GENERAL:
            return queryset.filter(phase__isnull=True)
        return queryset.filter(phase__code=value)

    # General responsibilities are standing commitments: never open, done or due. The page
    # lists withdrawn tasks too (marked so), and its filters find them.
    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open(with_withdrawn=True)
        return queryset.filter(done=True, phase__isnull=False)

    def filter_due(self, queryset, name, value):
        if value == "none":
            return queryset.filter(due_date__isnull=True)
        if value == "overdue":
            return queryset.overdue(self.today, with_withdrawn=True)
        if value == "soon":
            return queryset.overdue(self.today, with_withdrawn=True) | queryset.due_soon(
                self.today, with_withdrawn=True
            )
        return queryset.due_soon(self.today, with_withdrawn=True)

    def filter_owner(self, queryset, name, value):
        if value == ME:
            return queryset.filter(owner=self.user)
        if value == NOBODY:
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner_id=int(value))

    def filter_text(self, queryset, name, value):
        # Both languages: the reader's, and Portuguese, the catalogue's own.
        return queryset.filter(Q(text_pt__icontains=value) | Q(text_en__icontains=value))

    def tasks_of(self, engagement):
        """The engagement's tasks that pass the valid filters (an invalid one is ignored)."""
        self.queryset = Task.objects.filter(engagement=engagement)
        if not self.is_bound:
            return self.queryset
        self.form.is_valid()
        return self.filter_queryset(self.queryset)

    @property
    def applied(self) -> dict:
        """The filters in force, by name (after tasks_of)."""
        if not self.is_bound:
            return {}
        return {name: value for name, value in self.form.cleaned_data.items() if value}
