"""The timeline: the plan's phases as bars against what happened and the forecast, today's line,
checkpoints and sign-offs as milestones; an SVG with a table beside it, in both languages, on
the dashboard and in the status report."""

import datetime
import html
import io
import re

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.models import Engagement
from engagements.status.selectors import engagement_statuses
from engagements.status.timeline import engagement_timeline, slip_label
from reports.content import status_report
from reports.pdf import status_report_pdf
from responsibilities.models import Party, Phase

from .factories import at, make_checkpoint, tick

CLOCK_START = "2026-09-15 09:00"


@pytest.fixture
def under_way(clock, engagement, carla, miguel):
    """Iniciar done and signed off in the first week, Avaliar ticked a few a week for three
    weeks, a checkpoint call ahead: a forecast from three weeks of history."""
    managers = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    clock("2026-09-18 10:00")
    for task in engagement.tasks.filter(phase__code="iniciar"):
        tick(task, managers[task.party])
    general_acknowledge(engagement=engagement, user=carla)
    general_acknowledge(engagement=engagement, user=miguel)
    iniciar = Phase.objects.get(code="iniciar")
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    avaliar = list(engagement.tasks.filter(phase__code="avaliar").order_by("position"))
    for week in range(3):
        clock(at("2026-09-22 10:00") + datetime.timedelta(weeks=week))
        for task in avaliar[week * 2 : week * 2 + 2]:
            tick(task, managers[task.party])
    clock("2026-10-08 10:00")
    make_checkpoint(
        engagement,
        carla,
        title="Revisão da avaliação",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        attendees=[carla, miguel],
    )
    return Engagement.objects.get(pk=engagement.pk)


def build(engagement):
    now = timezone.now()
    status = engagement_statuses([engagement], now)[engagement.pk]
    return engagement_timeline(status, timezone.localdate(now))


def test_each_phase_has_its_bars_and_the_milestones_their_marks(under_way):
    timeline = build(under_way)
    iniciar, avaliar, corrigir, habilitar = timeline.rows
    assert [row.plan.phase.code for row in timeline.rows] == [
        "iniciar",
        "avaliar",
        "corrigir",
        "habilitar",
    ]
    # Iniciar: planned, happened and closed (no forecast left).
    assert iniciar.baseline and iniciar.planned and iniciar.actual
    assert iniciar.actual_end == datetime.date(2026, 9, 18)
    assert iniciar.forecast is None
    # Avaliar runs since Iniciar closed, up to today, and is forecast from today on.
    assert avaliar.actual_start == datetime.date(2026, 9, 18) and avaliar.in_progress
    assert avaliar.actual.end == timeline.plan.today
    # Nothing has happened in the later phases.
    assert corrigir.actual is None and habilitar.actual is None
    kinds = [(milestone.kind, milestone.day) for milestone in timeline.milestones]
    assert ("checkpoint", datetime.date(2026, 10, 10)) in kinds
    assert kinds.count(("sign_off", datetime.date(2026, 9, 18))) == 2
    # Every mark inside the drawing, today's line included.
    xs = [timeline.today_x] + [milestone.x for milestone in timeline.milestones]
    for row in timeline.rows:
        for span in (row.baseline, row.planned, row.actual, row.forecast, row.forecast_range):
            if span:
                xs += [span.x, span.x_end]
    assert all(0 <= x <= timeline.width for x in xs)


@pytest.mark.parametrize(
    ("days", "en", "pt"),
    [
        (None, "–", "–"),
        (0, "on plan", "no prazo"),
        (1, "1 day late", "1 dia de atraso"),
        (9, "9 days late", "9 dias de atraso"),
        (-1, "1 day ahead", "1 dia adiantado"),
        (-4, "4 days ahead", "4 dias adiantado"),
    ],
)
def test_slip_in_words_at_its_edges(days, en, pt):
    with translation.override("en"):
        assert slip_label(days) == en
    with translation.override("pt-br"):
        assert slip_label(days) == pt


def dashboard(client, user, engagement, language):
    Profile.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": "America/Sao_Paulo"}
    )
    client.force_login(user)
    return client.get(reverse("engagement-dashboard", args=[engagement.pk])).content.decode()


def figure(page: str) -> str:
    return page[page.index('<figure class="chart timeline">') :].split("</figure>")[0]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "pt-br",
            [
                "Plano e previsão",
                "Linha de base",
                "Plano atual",
                "Realizado",
                "Hoje",
                "Iniciar",
                "Avaliar",
                "desde 18/09/2026",
                "15/09/2026 – 18/09/2026",
                "Engajamento inteiro",
                "Marcos",
                "Ponto de verificação: Revisão da avaliação",
                "Iniciar aprovada por Cliente",
            ],
        ),
        (
            "en",
            [
                "Plan and forecast",
                "Baseline",
                "Current plan",
                "Actual",
                "Today",
                "Initiate",
                "Assess",
                "since 18 Sep 2026",
                "Whole engagement",
                "Milestones",
                "Checkpoint: Revisão da avaliação",
                "Initiate signed off for Customer",
            ],
        ),
    ],
)
def test_the_dashboard_draws_it_with_its_table_in_the_reader_s_language(
    client, carla, under_way, language, words
):
    page = html.unescape(dashboard(client, carla, under_way, language))
    drawn = figure(page)
    # The drawing is decoration for screen readers; the tables say it all.
    assert re.search(r'<svg [^>]*class="timeline-drawing"[^>]*aria-hidden="true"', drawn)
    assert drawn.count("<table") == 2 and drawn.count('<th scope="row">') >= 5 + 3
    for word in words:
        assert word in page, word
    other = {"en": ["Linha de base", "Hoje", "Avaliar"], "pt-br": ["Baseline", "Today", "Assess"]}
    assert not [word for word in other[language] if word in drawn]
    # No inline style anywhere in it: the Content-Security-Policy refuses them.
    assert "style=" not in drawn


def test_an_engagement_before_its_plan_says_so(client, carla, engagement):
    Engagement.objects.filter(pk=engagement.pk).update(status_plan={}, status_plan_version=0)
    page = html.unescape(dashboard(client, carla, engagement, "en"))
    assert "This engagement has no plan yet." in figure(page)


# Thirty ticks and more push the plan's baseline event out of the recent activity, whose text
# reads the phases' names once per plan event (engagements/planning/event_text.py).
@pytest.mark.parametrize("done_count", [30, 60])
def test_the_dashboard_with_its_timeline_costs_the_same_queries(
    clock, client, carla, miguel, engagement, done_count, django_assert_num_queries
):
    managers = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.exclude(phase=None).order_by("position")[:done_count]:
        tick(task, managers[task.party])
    client.force_login(carla)
    # The dashboard's thirteen (test_dashboards.py): the timeline reads what its status read.
    with django_assert_num_queries(13):
        response = client.get(reverse("engagement-dashboard", args=[engagement.pk]))
    assert 'class="timeline-drawing"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "pt-br",
            [
                "Plano e previsão",
                "O plano, o realizado e a previsão, por fase",
                "15/09/2026 – 18/09/2026",
                "Engajamento inteiro termina em",
                "Marcos",
            ],
        ),
        (
            "en",
            [
                "Plan and forecast",
                "The plan, what happened and the forecast, per phase",
                "15 Sep 2026 – 18 Sep 2026",
                "Whole engagement ends",
                "Milestones",
            ],
        ),
    ],
)
def test_the_status_report_shows_the_plan_against_the_forecast(under_way, language, words):
    with translation.override(language), timezone.override(timezone.get_default_timezone()):
        content = status_report_pdf(status_report(under_way, timezone.now()))
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for word in words:
        assert word in text, word
    figures = []

    def collect(element):
        element = element.get_object()
        if isinstance(element, dict):
            if element.get("/S") == "/Figure":
                figures.append(element["/Alt"])
            kids = element.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                collect(kid)

    collect(reader.trailer["/Root"]["/StructTreeRoot"])
    title = {
        "en": "Timeline: the plan against what happened and the forecast: planned end ",
        "pt-br": "Linha do tempo: o plano comparado ao realizado e à previsão: término planejado",
    }[language]
    assert figures[0].startswith(title)


@pytest.mark.parametrize(
    ("language", "plan", "forecast"),
    [
        ("pt-br", "O plano (tracejado cinza): todas as 88 tarefas concluídas até", "(85%)"),
        ("en", "The plan (grey dashes): all 88 tasks done by", "The forecast (orange dots)"),
    ],
)
def test_the_burn_up_gains_the_plan_s_line_and_the_forecast(
    client, carla, under_way, language, plan, forecast
):
    page = html.unescape(dashboard(client, carla, under_way, language))
    chart = page[page.index('class="burnup"') :].split("</figure>")[0]
    assert 'class="plan-line"' in chart and 'class="forecast-line"' in chart
    assert plan in chart and forecast in chart
