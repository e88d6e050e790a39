"""The demo's clock and stories: each change goes through the real services at its own moment
in the past, so the audit trail is a true hash chain of back-dated events."""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.utils import timezone

from engagements.gates.evidence import evidence_add_link
from engagements.gates.requirements import first_phase
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.meetings.briefs import checkpoint_brief_write
from engagements.meetings.services import checkpoint_schedule
from engagements.models import Engagement, Membership, Role, Task
from engagements.services.engagements import engagement_create
from engagements.services.members import member_add
from engagements.services.tasks import (
    task_set_done,
    task_set_due_date,
    task_set_note,
    task_set_owner,
)
from responsibilities.models import Phase


@contextlib.contextmanager
def demo_clock(moment: datetime.datetime):
    """While the block runs, `django.utils.timezone.now()` returns `moment`.

    Demo only. The services take their time from `timezone.now()` and the audit chain hashes
    each event's `created_at`, so a back-dated trail cannot be made by rewriting times
    afterwards; instead each step runs through the real services while the clock says when it
    happened, and the trail is a true chain of back-dated events (task `done_at` included).
    Every other caller of `timezone.now` looks it up on the module, so all of them see the
    step's moment. It patches the module for the whole process: only `seed_demo` and tests,
    single-threaded, run it.
    """
    real_now = timezone.now
    # In UTC, as the real `now()` gives it: the chain hashes `created_at.isoformat()` as
    # written, and the database gives it back in UTC.
    moment = moment.astimezone(datetime.UTC)
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


def moment_at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def working_day_before(day: datetime.date, count: int = 1) -> datetime.date:
    """The working day `count` working days before `day`."""
    while count:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@dataclass
class Story:
    """One engagement's demo history: steps at moments, played in time order so that the
    chain's order is the order in which things happened."""

    engagement: Engagement
    managers: dict[str, object]  # party -> the manager who ticks its tasks
    steps: list[tuple[datetime.datetime, int, Callable[[], object]]] = field(default_factory=list)

    def at(self, moment: datetime.datetime, action: Callable[[], object]) -> None:
        self.steps.append((moment, len(self.steps), action))

    def tasks(self, phase_code: str | None, party: str | None = None) -> list[Task]:
        tasks = self.engagement.tasks.order_by("position")
        tasks = tasks.filter(phase__code=phase_code) if phase_code else tasks.filter(phase=None)
        return list(tasks.filter(party=party) if party else tasks)

    def tick(self, tasks: list[Task], first: datetime.date, last: datetime.date) -> None:
        """Each task done by its party's manager, spread over the working days from `first` to
        `last`, a working day's hours apart on the same day."""
        days = working_days(first, last)
        by_day: dict[datetime.date, list[Task]] = {}
        for index, task in enumerate(tasks):
            by_day.setdefault(days[index * len(days) // len(tasks)], []).append(task)
        for day, day_tasks in by_day.items():
            step = 480 // (len(day_tasks) + 1)
            for index, task in enumerate(day_tasks, start=1):
                minutes = 9 * 60 + index * step
                self.at(moment_at(day, minutes // 60, minutes % 60), partial(self.done, task))

    def done(self, task: Task) -> None:
        """Tick the task; one that needs evidence first gets a link to the party's document."""
        manager = self.managers[task.party]
        if task.evidence_required:
            evidence_add_link(
                task=task,
                user=manager,
                url=f"https://docs.example.com/fasttrack/{self.engagement.pk}/task-{task.pk}",
            )
        task_set_done(task=task, user=manager, done=True)

    def sign_off(self, phase_code: str, day: datetime.date) -> None:
        """Both parties' managers sign the phase off at the end of the day its last task was
        done (ticks run until 17:00), which closes its gate; before the first phase's, each
        acknowledges its party's general responsibilities."""
        phase = Phase.objects.get(code=phase_code)
        if phase == first_phase():
            for minute, manager in zip((5, 10), self.managers.values(), strict=True):
                self.at(
                    moment_at(day, 17, minute),
                    lambda manager=manager: general_acknowledge(
                        engagement=self.engagement, user=manager
                    ),
                )
        for minute, (party, manager) in zip((15, 45), self.managers.items(), strict=True):
            self.at(
                moment_at(day, 17, minute),
                lambda party=party, manager=manager: gate_sign(
                    engagement=self.engagement, phase=phase, user=manager, party=party
                ),
            )

    def due(self, moment, task: Task, due_date: datetime.date) -> None:
        self.at(
            moment,
            lambda: task_set_due_date(task=task, user=self.managers[task.party], due_date=due_date),
        )

    def note(self, moment, task: Task, user, note: str) -> None:
        self.at(moment, lambda: task_set_note(task=task, user=user, note=note))

    def owner(self, moment, task: Task, owner) -> None:
        self.at(
            moment,
            lambda: task_set_owner(task=task, user=self.managers[task.party], owner=owner),
        )

    def meeting_held(self, day, phase_code, kind, title, attendees, user, agenda="") -> None:
        """A meeting that already took place, booked 40 minutes before it started.

        Reminders are owed only for moments still ahead when a meeting is booked; one booked
        days ahead here would owe reminders whose moment lies in the real past, which beat would
        then log as dropped (the meeting had started). Booked at short notice, it owes none.
        """
        starts_at = moment_at(day, 10)
        self.at(
            starts_at - datetime.timedelta(minutes=40),
            lambda: checkpoint_schedule(
                engagement=self.engagement,
                user=user,
                phase=Phase.objects.get(code=phase_code),
                kind=kind,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=1, minutes=30),
                location="Microsoft Teams",
                agenda=agenda or "1. Apresentações\n2. Escopo e cronograma\n3. Próximos passos",
                attendees=attendees,
            ),
        )

    def brief(self, day, title, user, summary, decisions, next_steps) -> None:
        """What the managers wrote at the meeting of `day` called `title`, as it ended."""
        self.at(
            moment_at(day, 11, 40),
            lambda: checkpoint_brief_write(
                checkpoint=self.engagement.checkpoints.get(title=title),
                user=user,
                summary=summary,
                decisions=decisions,
                next_steps=next_steps,
            ),
        )

    def play(self) -> None:
        for moment, _order, action in sorted(self.steps, key=lambda step: step[:2]):
            with demo_clock(moment):
                action()


def engagement_start(users, customer: str, start_date: datetime.date, members, **details) -> Story:
    """Create the engagement (by the admin, three days before it starts) and its members;
    return its story, whose managers tick each party's tasks."""
    created_at = moment_at(start_date - datetime.timedelta(days=3), 11)
    with demo_clock(created_at):
        engagement = engagement_create(
            engagement=Engagement(
                customer=customer,
                start_date=start_date,
                purchase_date=start_date - datetime.timedelta(days=30),
                created_at=created_at.astimezone(datetime.UTC),
                **details,
            ),
            created_by=users["admin"],
        )
    for minutes, (username, party, role) in enumerate(members, start=5):
        with demo_clock(created_at + datetime.timedelta(minutes=minutes)):
            member_add(
                membership=Membership(
                    engagement=engagement, user=users[username], party=party, role=role
                ),
                added_by=users["admin"],
            )
    managers = {party: users[username] for username, party, role in members if role == Role.MANAGER}
    return Story(engagement=engagement, managers=managers)
