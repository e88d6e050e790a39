"""The demo data set that `make run` shows: a portfolio that looks like a real month.

- **Contoso** started about five weeks ago: Iniciar was done in the first week, Avaliar is
  mostly done, three tasks are overdue, the kick-off is behind it and a checkpoint call starts
  about an hour after the first `make run`.
- **Fabrikam** is finished: every task done over some twelve weeks.
- **Northwind Traders** is at risk: two tasks overdue and nothing done for almost three weeks.
- **Tailspin Toys** started a few days ago and is early in Iniciar, with a checkpoint ahead.

Every change goes through the real services, each at its own moment in the past (see `_clock`),
so the audit trail is a true hash chain of back-dated events and the burn-up chart, the days per
phase and the activity list read like a real engagement. It only creates what is missing (users
by username, engagements by customer name), so running it again creates nothing and never
touches what an admin changed.
"""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from responsibilities.models import Party, Phase

from .models import CheckpointKind, Engagement, Membership, Role, Task
from .services.checkpoints import checkpoint_schedule
from .services.engagements import engagement_create
from .services.members import member_add
from .services.tasks import task_set_done, task_set_due_date, task_set_note, task_set_owner

DEMO_PASSWORD = "demo"
DEMO_USERS = [
    # username, full name, email, is_staff, who they are (printed by seed_demo)
    ("admin", "Ana Admin", "admin@contoso.example", True,
     "staff: edits the catalogue, reads every engagement"),
    ("pm", "Paula Gerente", "pm@contoso.example", False, "customer manager of Contoso"),
    ("stakeholder", "Sérgio Patrocinador", "stakeholder@contoso.example", False,
     "customer viewer of Contoso"),
    ("msft", "Marcos Microsoft", "msft@microsoft.example", False,
     "Microsoft manager of all four engagements"),
    ("engineer", "Elisa Engenheira", "engineer@microsoft.example", False,
     "Microsoft viewer of Contoso, owns some of its tasks"),
    ("fabrikam", "Fernanda Figueiredo", "fernanda@fabrikam.example", False,
     "customer manager of Fabrikam (finished)"),
    ("northwind", "Nelson Nogueira", "nelson@northwind.example", False,
     "customer manager of Northwind Traders (at risk)"),
    ("tailspin", "Tânia Teixeira", "tania@tailspin.example", False,
     "customer manager of Tailspin Toys (just started)"),
]  # fmt: skip
DEMO_CUSTOMER = "Contoso"


@contextlib.contextmanager
def _clock(moment: datetime.datetime):
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


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _working_day_before(day: datetime.date, count: int = 1) -> datetime.date:
    """The working day `count` working days before `day`."""
    while count:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@dataclass
class _Story:
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
        days = _working_days(first, last)
        by_day: dict[datetime.date, list[Task]] = {}
        for index, task in enumerate(tasks):
            by_day.setdefault(days[index * len(days) // len(tasks)], []).append(task)
        for day, day_tasks in by_day.items():
            step = 480 // (len(day_tasks) + 1)
            for index, task in enumerate(day_tasks, start=1):
                minutes = 9 * 60 + index * step
                self.at(
                    _at(day, minutes // 60, minutes % 60),
                    lambda task=task: task_set_done(
                        task=task, user=self.managers[task.party], done=True
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
        starts_at = _at(day, 10)
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

    def play(self) -> None:
        for moment, _order, action in sorted(self.steps, key=lambda step: step[:2]):
            with _clock(moment):
                action()


def _users_create() -> tuple[dict, list[str]]:
    """The demo users by username, creating the missing ones; and the usernames created."""
    User = get_user_model()
    users, created = {}, []
    for username, full_name, email, is_staff, _who in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first_name, last_name = full_name.split(" ", 1)
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                email=email,
                is_staff=is_staff,
                is_superuser=is_staff,
            )
            created.append(username)
        users[username] = user
    return users, created


def _engagement_start(
    users, customer: str, start_date: datetime.date, members, **details
) -> _Story:
    """Create the engagement (by the admin, three days before it starts) and its members;
    return its story, whose managers tick each party's tasks."""
    created_at = _at(start_date - datetime.timedelta(days=3), 11)
    with _clock(created_at):
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
        with _clock(created_at + datetime.timedelta(minutes=minutes)):
            member_add(
                membership=Membership(
                    engagement=engagement, user=users[username], party=party, role=role
                ),
                added_by=users["admin"],
            )
    managers = {party: users[username] for username, party, role in members if role == Role.MANAGER}
    return _Story(engagement=engagement, managers=managers)


@transaction.atomic
def demo_data_create() -> list[str]:
    """Create what is missing of the demo data; return the usernames that were created."""
    users, created = _users_create()
    today = timezone.localdate()
    builders = {
        DEMO_CUSTOMER: _contoso_create,
        "Fabrikam": _fabrikam_create,
        "Northwind Traders": _northwind_create,
        "Tailspin Toys": _tailspin_create,
    }
    for customer, build in builders.items():
        if not Engagement.objects.filter(customer=customer).exists():
            build(users, today)
    return created


def _contoso_create(users, today: datetime.date) -> None:
    """About five weeks in: Iniciar done in week 1, Avaliar mostly done, three tasks overdue."""
    start = _working_day_before(today, 25)
    yesterday = _working_day_before(today)
    members = [
        ("msft", Party.MICROSOFT, Role.MANAGER),
        ("engineer", Party.MICROSOFT, Role.VIEWER),
        ("pm", Party.CUSTOMER, Role.MANAGER),
        ("stakeholder", Party.CUSTOMER, Role.VIEWER),
    ]
    story = _engagement_start(
        users, DEMO_CUSTOMER, start, members,
        aad_premium=True, intune=True, azure_rms=True, mdm=True, licence_count=1200,
    )  # fmt: skip
    attendees = [users[username] for username, _party, _role in members]
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off do FastTrack", attendees, users["msft"]
    )
    days = _working_days(start, yesterday)
    story.tick(story.tasks("iniciar"), days[0], days[4])

    # Avaliar: owners and due dates on day 2, most tasks done from week 2 on; two left open,
    # past due, for each party (one of each overdue).
    customer_avaliar = story.tasks("avaliar", Party.CUSTOMER)
    microsoft_avaliar = story.tasks("avaliar", Party.MICROSOFT)
    planning = _at(days[1], 14)
    for task in customer_avaliar:
        story.owner(planning, task, users["pm"])
    # The engineer owns what is still open of Microsoft's (a note about a task that is done by
    # the time beat sends it would be dropped), the manager the rest.
    for task in microsoft_avaliar:
        still_open = task in microsoft_avaliar[-2:]
        story.owner(planning, task, users["engineer"] if still_open else users["msft"])
    for task in story.tasks("corrigir", Party.MICROSOFT):
        story.owner(_at(days[-3], 17), task, users["engineer"])
    avaliar = customer_avaliar[:-2] + microsoft_avaliar[:-2]
    for index, task in enumerate(avaliar):
        story.due(planning, task, days[min(6 + index * 2, len(days) - 1)])
    story.tick(avaliar, days[5], yesterday)
    late_customer, soon_customer = customer_avaliar[-2:]
    late_microsoft, soon_microsoft = microsoft_avaliar[-2:]
    story.due(planning, late_customer, today - datetime.timedelta(days=6))
    story.due(planning, late_microsoft, today - datetime.timedelta(days=2))
    story.due(_at(days[-5], 16), soon_customer, today + datetime.timedelta(days=3))
    story.due(_at(days[-5], 16), soon_microsoft, today + datetime.timedelta(days=8))
    story.note(
        _at(days[-4], 11, 30), late_customer, users["pm"],
        "Aguardando a lista de participantes do time de rede.",
    )  # fmt: skip
    story.note(
        _at(days[-2], 15), late_microsoft, users["msft"],
        "Relatório de avaliação em revisão interna; envio previsto para esta semana.",
    )  # fmt: skip

    # General responsibilities: about a third done along the way, one overdue.
    general = story.tasks(None)
    story.tick(general[: len(general) // 3], days[2], days[-3])
    story.due(planning, general[-1], today - datetime.timedelta(days=4))
    story.note(
        _at(days[-6], 10), general[-1], users["pm"],
        "Depende da aprovação do comitê de segurança.",
    )  # fmt: skip
    # Corrigir's dates are already agreed.
    for index, task in enumerate(story.tasks("corrigir")):
        story.due(_at(days[-3], 17), task, today + datetime.timedelta(days=10 + 2 * index))
    story.play()

    # Starts in just over an hour (on the real clock), so the first `make run` shows its
    # 1-hour reminder arriving in demo-mail/ within a couple of minutes.
    starts_at = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=62)
    checkpoint_schedule(
        engagement=story.engagement,
        user=users["pm"],
        phase=Phase.objects.get(code="avaliar"),
        kind=CheckpointKind.CHECKPOINT_CALL,
        title="Revisão da lista de verificação de correção",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        location="https://meet.contoso.example/fasttrack",
        agenda="1. Infraestrutura e rede\n2. Sincronização de diretório\n3. Próximos passos",
        attendees=attendees,
    )


def _fabrikam_create(users, today: datetime.date) -> None:
    """Finished: every task done, phase after phase, over some twelve weeks."""
    start = _working_day_before(today, 60)
    last = _working_day_before(today, 8)
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("fabrikam", Party.CUSTOMER, Role.MANAGER)]
    story = _engagement_start(
        users, "Fabrikam", start, members,
        aad_premium=True, azure_rms=True, federation=True, licence_count=800,
    )  # fmt: skip
    attendees = [users["msft"], users["fabrikam"]]
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off Fabrikam", attendees, users["msft"]
    )
    days = _working_days(start, last)
    # Phase by phase: Iniciar in week 1, Avaliar in weeks 2-4, Corrigir 5-6, Habilitar after.
    spans = {"iniciar": (0, 4), "avaliar": (5, 18), "corrigir": (19, 28), "habilitar": (29, -1)}
    for phase_code, (first, end) in spans.items():
        story.tick(story.tasks(phase_code), days[first], days[end])
    story.tick(story.tasks(None), days[3], days[-1])
    story.meeting_held(
        days[-1], "habilitar", CheckpointKind.VERIFICATION, "Verificação conjunta",
        attendees, users["msft"], agenda="1. Verificação dos serviços habilitados\n2. Encerramento",
    )  # fmt: skip
    story.play()


def _northwind_create(users, today: datetime.date) -> None:
    """At risk: in Avaliar, two tasks overdue and nothing done for almost three weeks."""
    start = _working_day_before(today, 40)
    quiet_since = _working_day_before(today, 14)  # 18 or more days ago
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("northwind", Party.CUSTOMER, Role.MANAGER)]
    story = _engagement_start(
        users, "Northwind Traders", start, members,
        intune=True, mdm=True, mam=True, licence_count=2500,
    )  # fmt: skip
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off Northwind",
        [users["msft"], users["northwind"]], users["msft"],
    )  # fmt: skip
    days = _working_days(start, quiet_since)
    story.tick(story.tasks("iniciar"), days[0], days[7])
    avaliar = (
        story.tasks("avaliar", Party.CUSTOMER)[:3] + story.tasks("avaliar", Party.MICROSOFT)[:3]
    )
    story.tick(avaliar, days[8], days[-2])
    story.tick(story.tasks(None)[:3], days[4], days[-3])
    late = story.tasks("avaliar", Party.CUSTOMER)[3:5]
    for task, days_late in zip(late, (10, 3), strict=True):
        story.due(_at(days[8], 15), task, today - datetime.timedelta(days=days_late))
    story.note(
        _at(days[-1], 16), late[0], users["northwind"],
        "Projeto pausado: a equipe de TI foi realocada para a migração do ERP.",
    )  # fmt: skip
    story.play()


def _tailspin_create(users, today: datetime.date) -> None:
    """Just started: kick-off held, a task of each party done, a checkpoint call ahead."""
    start = _working_day_before(today, 4)
    yesterday = _working_day_before(today)
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("tailspin", Party.CUSTOMER, Role.MANAGER)]
    story = _engagement_start(
        users, "Tailspin Toys", start, members,
        aad_premium=True, intune=True, pc_management=True, licence_count=450,
    )  # fmt: skip
    attendees = [users["msft"], users["tailspin"]]
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off Tailspin", attendees, users["msft"]
    )
    customer, microsoft = (
        story.tasks("iniciar", Party.CUSTOMER),
        story.tasks("iniciar", Party.MICROSOFT),
    )
    days = _working_days(start, yesterday)
    story.tick([customer[0], microsoft[0]], days[1], yesterday)
    for index, task in enumerate(customer[1:] + microsoft[1:]):
        story.due(_at(days[1], 10), task, today + datetime.timedelta(days=2 + 3 * index))
    # A call in about ten days, booked yesterday: its reminders are owed on the real clock.
    starts_at = _at(today + datetime.timedelta(days=10), 14)
    story.at(
        _at(yesterday, 16),
        lambda: checkpoint_schedule(
            engagement=story.engagement,
            user=users["msft"],
            phase=Phase.objects.get(code="iniciar"),
            kind=CheckpointKind.CHECKPOINT_CALL,
            title="Checkpoint de Iniciar",
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=1),
            location="Microsoft Teams",
            agenda="1. Pré-requisitos\n2. Contatos técnicos\n3. Próximos passos",
            attendees=attendees,
        ),
    )
    story.play()
