"""The demo's engagements, each a story of a few weeks told through the services."""

import datetime

from django.utils import timezone

from engagements.demo.story import (
    engagement_start,
    moment_at,
    working_day_before,
    working_days,
)
from engagements.meetings.services import checkpoint_schedule
from engagements.models import CheckpointKind, Engagement, Role
from engagements.planning.selectors import engagement_plan
from engagements.planning.services import plan_change
from responsibilities.models import Party, Phase

DEMO_CUSTOMER = "Contoso"


def contoso_create(users, today: datetime.date) -> None:
    """About five weeks in: Iniciar done in week 1, Avaliar mostly done, three tasks overdue."""
    start = working_day_before(today, 25)
    yesterday = working_day_before(today)
    members = [
        ("msft", Party.MICROSOFT, Role.MANAGER),
        ("engineer", Party.MICROSOFT, Role.VIEWER),
        ("pm", Party.CUSTOMER, Role.MANAGER),
        ("stakeholder", Party.CUSTOMER, Role.VIEWER),
    ]
    story = engagement_start(
        users, DEMO_CUSTOMER, start, members,
        aad_premium=True, intune=True, azure_rms=True, mdm=True, licence_count=1200,
    )  # fmt: skip
    attendees = [users[username] for username, _party, _role in members]
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off do FastTrack", attendees, users["msft"]
    )
    story.brief(
        start,
        "Kick-off do FastTrack",
        users["pm"],
        summary="Escopo confirmado: Azure AD Premium, Intune (MDM) e Azure RMS para 1.200 "
        "licenças. Equipes apresentadas e cronograma das quatro fases acordado.",
        decisions="Indicar até sexta quem aprova as mudanças no diretório.",
        next_steps="Avaliar: rodar as ferramentas de avaliação e revisar os resultados no "
        "próximo ponto de verificação.",
    )
    days = working_days(start, yesterday)
    story.tick(story.tasks("iniciar"), days[0], days[4])
    story.sign_off("iniciar", days[4])

    # Avaliar: owners and due dates on day 2, most tasks done from week 2 on; two left open,
    # past due, for each party (one of each overdue).
    customer_avaliar = story.tasks("avaliar", Party.CUSTOMER)
    microsoft_avaliar = story.tasks("avaliar", Party.MICROSOFT)
    planning = moment_at(days[1], 14)
    for task in customer_avaliar:
        story.owner(planning, task, users["pm"])
    # The engineer owns what is still open of Microsoft's (a note about a task that is done by
    # the time beat sends it would be dropped), the manager the rest.
    for task in microsoft_avaliar:
        still_open = task in microsoft_avaliar[-2:]
        story.owner(planning, task, users["engineer"] if still_open else users["msft"])
    for task in story.tasks("corrigir", Party.MICROSOFT):
        story.owner(moment_at(days[-3], 17), task, users["engineer"])
    avaliar = customer_avaliar[:-2] + microsoft_avaliar[:-2]
    for index, task in enumerate(avaliar):
        story.due(planning, task, days[min(6 + index * 2, len(days) - 1)])
    story.tick(avaliar, days[5], yesterday)
    late_customer, soon_customer = customer_avaliar[-2:]
    late_microsoft, soon_microsoft = microsoft_avaliar[-2:]
    story.due(planning, late_customer, today - datetime.timedelta(days=6))
    story.due(planning, late_microsoft, today - datetime.timedelta(days=2))
    story.due(moment_at(days[-5], 16), soon_customer, today + datetime.timedelta(days=3))
    story.due(moment_at(days[-5], 16), soon_microsoft, today + datetime.timedelta(days=8))
    story.note(
        moment_at(days[-4], 11, 30), late_customer, users["pm"],
        "Aguardando a lista de participantes do time de rede.",
    )  # fmt: skip
    story.note(
        moment_at(days[-2], 15), late_microsoft, users["msft"],
        "Relatório de avaliação em revisão interna; envio previsto para esta semana.",
    )  # fmt: skip

    general = story.tasks(None)
    story.note(
        moment_at(days[-6], 10), general[-1], users["pm"],
        "Depende da aprovação do comitê de segurança.",
    )  # fmt: skip
    # Corrigir's dates are already agreed.
    for index, task in enumerate(story.tasks("corrigir")):
        story.due(moment_at(days[-3], 17), task, today + datetime.timedelta(days=10 + 2 * index))
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
    # The catalogue's typical durations fit a small scope: with 1,200 devices under MDM, the
    # managers plan the open phases by the forecast's 85% dates, so Contoso runs to a date.
    replan_to_the_forecast(
        story.engagement, users["msft"], today, "Habilitar em ondas: 1.200 dispositivos com MDM."
    )


def replan_to_the_forecast(engagement, user, today: datetime.date, reason: str) -> None:
    """Each open phase planned to end on its forecast's 85% date, one after another; the closed
    ones keep their dates."""
    phases = list(Phase.objects.order_by("order"))
    plan = engagement_plan(Engagement.objects.get(pk=engagement.pk), phases, today)
    if not plan.has_forecast:
        return
    dates, previous_end = {}, None
    for row in plan.phases:
        if row.closed_on:
            start, end = row.planned_start, row.planned_end
        else:
            start = previous_end or row.planned_start
            end = max(start, row.forecast_p85)
        dates[row.phase.code], previous_end = (start, end), end
    plan_change(engagement=engagement, user=user, dates=dates, reason=reason)


def fabrikam_create(users, today: datetime.date) -> None:
    """Finished: every task done, phase after phase, over some twelve weeks."""
    start = working_day_before(today, 60)
    last = working_day_before(today, 8)
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("fabrikam", Party.CUSTOMER, Role.MANAGER)]
    story = engagement_start(
        users, "Fabrikam", start, members,
        aad_premium=True, azure_rms=True, federation=True, licence_count=800,
    )  # fmt: skip
    attendees = [users["msft"], users["fabrikam"]]
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off Fabrikam", attendees, users["msft"]
    )
    days = working_days(start, last)
    # Phase by phase: Iniciar in week 1, Avaliar in weeks 2-4, Corrigir 5-6, Habilitar after.
    spans = {"iniciar": (0, 4), "avaliar": (5, 18), "corrigir": (19, 28), "habilitar": (29, -1)}
    for phase_code, (first, end) in spans.items():
        story.tick(story.tasks(phase_code), days[first], days[end])
        story.sign_off(phase_code, days[end])
    story.meeting_held(
        days[-1], "habilitar", CheckpointKind.VERIFICATION, "Verificação conjunta",
        attendees, users["msft"], agenda="1. Verificação dos serviços habilitados\n2. Encerramento",
    )  # fmt: skip
    story.play()


def northwind_create(users, today: datetime.date) -> None:
    """At risk: in Avaliar, two tasks overdue and nothing done for almost three weeks."""
    start = working_day_before(today, 40)
    quiet_since = working_day_before(today, 14)  # 18 or more days ago
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("northwind", Party.CUSTOMER, Role.MANAGER)]
    story = engagement_start(
        users, "Northwind Traders", start, members,
        intune=True, mdm=True, mam=True, licence_count=2500,
    )  # fmt: skip
    story.meeting_held(
        start, "iniciar", CheckpointKind.KICKOFF, "Kick-off Northwind",
        [users["msft"], users["northwind"]], users["msft"],
    )  # fmt: skip
    days = working_days(start, quiet_since)
    story.tick(story.tasks("iniciar"), days[0], days[7])
    story.sign_off("iniciar", days[7])
    avaliar = (
        story.tasks("avaliar", Party.CUSTOMER)[:3] + story.tasks("avaliar", Party.MICROSOFT)[:3]
    )
    story.tick(avaliar, days[8], days[-2])
    late = story.tasks("avaliar", Party.CUSTOMER)[3:5]
    for task, days_late in zip(late, (10, 3), strict=True):
        story.due(moment_at(days[8], 15), task, today - datetime.timedelta(days=days_late))
        story.owner(moment_at(days[8], 15), task, users["northwind"])
    # Microsoft's next task here is its manager's own: with Tailspin's acknowledgement, what
    # his My work lists besides Contoso.
    story.owner(moment_at(days[8], 15), story.tasks("avaliar", Party.MICROSOFT)[3], users["msft"])
    story.note(
        moment_at(days[-1], 16), late[0], users["northwind"],
        "Projeto pausado: a equipe de TI foi realocada para a migração do ERP.",
    )  # fmt: skip
    story.play()


def tailspin_create(users, today: datetime.date) -> None:
    """Just started: kick-off held, a task of each party done, a checkpoint call ahead."""
    start = working_day_before(today, 4)
    yesterday = working_day_before(today)
    members = [("msft", Party.MICROSOFT, Role.MANAGER), ("tailspin", Party.CUSTOMER, Role.MANAGER)]
    story = engagement_start(
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
    days = working_days(start, yesterday)
    story.tick([customer[0], microsoft[0]], days[1], yesterday)
    for index, task in enumerate(customer[1:] + microsoft[1:]):
        story.due(moment_at(days[1], 10), task, today + datetime.timedelta(days=2 + 3 * index))
    # A call in about ten days, booked yesterday: its reminders are owed on the real clock.
    starts_at = moment_at(today + datetime.timedelta(days=10), 14)
    story.at(
        moment_at(yesterday, 16),
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
