"""Random sequences of changes through the services, with time passing between them: after
each change the stored status is what the rows say (hypothesis)."""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagements.gates.evidence import comment_add
from engagements.gates.services import gate_reopen, gate_sign, general_acknowledge
from engagements.meetings.services import checkpoint_cancel
from engagements.models import Checkpoint, Engagement, Task
from engagements.services.tasks import task_confirm, task_set_done, task_set_due_date
from engagements.status.selectors import differing_fields, recomputed_values
from responsibilities.models import Party, Phase

from .factories import make_checkpoint, make_engagement, tick

CLOCK_START = "2026-11-02 12:00"

index = st.integers(min_value=0, max_value=200)
phase = st.integers(min_value=0, max_value=3)
# Gates are reached by finishing a phase, signing it and perhaps reopening it: two phases make
# such runs likely enough to come up.
gate = st.integers(min_value=0, max_value=1)
actions = st.one_of(
    st.tuples(st.just("tick"), index, st.booleans(), st.booleans()),
    st.tuples(st.just("due"), index, st.one_of(st.none(), st.integers(-10, 10))),
    st.tuples(st.just("schedule"), phase, st.integers(1, 200)),
    st.tuples(st.just("cancel"), index),
    st.tuples(st.just("wait"), st.integers(0, 24 * 20)),
    st.tuples(st.just("close"), gate, st.booleans()),
    st.tuples(st.just("reopen"), gate),
    st.tuples(st.just("confirm"), index),
    st.tuples(st.just("comment"), index),
)


def pick(items, number):
    return items[number % len(items)] if items else None


class Run:
    """Applies one action; a change the rules refuse is part of the run (it changes nothing)."""

    def __init__(self, engagement, managers, clock):
        self.engagement, self.managers, self.clock = engagement, managers, clock
        self.tasks = list(engagement.tasks.exclude(phase=None).order_by("pk"))
        self.phases = list(Phase.objects.order_by("order"))

    def apply(self, action):
        with contextlib.suppress(ValidationError):
            getattr(self, action[0])(*action[1:])

    def tick(self, number, done, on_behalf):
        task = Task.objects.get(pk=pick(self.tasks, number).pk)
        party = task.party if not on_behalf else next(p for p in Party.values if p != task.party)
        if done:
            tick(task, self.managers[party])
        else:
            task_set_done(task=task, user=self.managers[party], done=False)

    def due(self, number, days):
        due = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
        task_set_due_date(
            task=pick(self.tasks, number), user=self.managers["customer"], due_date=due
        )

    def schedule(self, number, hours):
        make_checkpoint(
            self.engagement,
            self.managers["customer"],
            phase=pick(self.phases, number).code,
            starts_at=timezone.now() + datetime.timedelta(hours=hours),
            attendees=[],
        )

    def cancel(self, number):
        upcoming = list(
            Checkpoint.objects.filter(
                engagement=self.engagement, cancelled_at__isnull=True, starts_at__gt=timezone.now()
            ).order_by("pk")
        )
        if upcoming:
            checkpoint_cancel(checkpoint=pick(upcoming, number), user=self.managers["customer"])

    def wait(self, hours):
        self.clock(timezone.now() + datetime.timedelta(hours=hours))

    def close(self, number, both):
        """Every open task of a phase ticked by its own party, then its gate signed (by one
        party or both)."""
        phase = pick(self.phases, number)
        for task in self.engagement.tasks.filter(phase=phase, done=False).order_by("pk"):
            tick(task, self.managers[task.party])
        for party in Party.values if both else [Party.CUSTOMER]:
            if phase == self.phases[0]:
                with contextlib.suppress(ValidationError):  # acknowledged already
                    general_acknowledge(engagement=self.engagement, user=self.managers[party])
            gate_sign(engagement=self.engagement, phase=phase, user=self.managers[party])

    def reopen(self, number):
        gate_reopen(
            engagement=self.engagement,
            phase=pick(self.phases, number),
            user=self.managers["customer"],
            reason="De novo",
        )

    def confirm(self, number):
        task = Task.objects.get(pk=pick(self.tasks, number).pk)
        task_confirm(task=task, user=self.managers[task.party])

    def comment(self, number):
        comment_add(task=pick(self.tasks, number), user=self.managers["microsoft"], body="Ok")


def stale_columns(engagement) -> list[str]:
    row = Engagement.objects.get(pk=engagement.pk)
    return differing_fields(row, recomputed_values([row])[row.pk])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=1, max_size=12))
def test_random_changes_keep_the_stored_status_right(clock, catalogue, carla, miguel, ada, steps):
    engagement = make_engagement(created_by=ada, customer="Hypothesis", aad_premium=True)
    for user, party in ((carla, Party.CUSTOMER), (miguel, Party.MICROSOFT)):
        engagement.memberships.create(user=user, party=party, role="manager")
    run = Run(engagement, {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}, clock)
    for action in steps:
        run.apply(action)
        assert stale_columns(engagement) == [], action
