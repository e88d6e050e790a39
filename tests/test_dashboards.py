"""Dashboards: the figures they show agree with the tasks, counted here independently."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.meetings.services import checkpoint_schedule
from engagements.models import Membership, Role, Task
from engagements.services.tasks import task_set_done, task_set_due_date
from engagements.status.selectors import engagement_statuses
from responsibilities.models import Party, Phase

from .factories import at, catalogue_ensure, make_engagement, make_persona, read_csv
from .factories import tick as tick_task
from .shared import shared_rows, stopped_clock

CLOCK_START = "2026-09-16 09:00"


def tick(engagement, user, phase_code, party=None, count=None):
    tasks = engagement.tasks.filter(phase__code=phase_code, done=False).order_by("position")
    if party:
        tasks = tasks.filter(party=party)
    for task in list(tasks)[:count]:
        tick_task(task, user)


def sign(engagement, user, phase_code):
    """Close the phase's gate: Carla signs for both parties, Microsoft having no manager here."""
    phase = Phase.objects.get(code=phase_code)
    for party in Party.values:
        if phase_code == "iniciar":
            general_acknowledge(engagement=engagement, user=user, party=party)
        gate_sign(engagement=engagement, phase=phase, user=user, party=party)


def expected_tally(engagement, **filters):
    tasks = list(Task.objects.filter(engagement=engagement, phase__isnull=False, **filters))
    return sum(t.done for t in tasks), len(tasks)


def build_portfolio():
    """Three engagements Carla manages, in different states, as on 2026-09-29."""
    with stopped_clock(CLOCK_START) as clock:
        catalogue_ensure()
        carla, vera, ada = map(make_persona, ["carla", "vera", "ada"])
        engagements = {}
        for name, scope in [
            ("Alpine", {"aad_premium": True}),
            ("Contoso", {"intune": True, "mdm": True}),
            ("Fabrikam", {"azure_rms": True}),
        ]:
            engagement = make_engagement(created_by=ada, customer=name, **scope)
            Membership.objects.create(
                engagement=engagement, user=carla, party=Party.CUSTOMER, role=Role.MANAGER
            )
            Membership.objects.create(
                engagement=engagement, user=vera, party=Party.CUSTOMER, role=Role.VIEWER
            )
            engagements[name] = engagement
        clock("2026-09-20 10:00")
        for name in ("Contoso", "Fabrikam"):
            tick(engagements[name], carla, "iniciar")
            sign(engagements[name], carla, "iniciar")
        clock("2026-09-25 10:00")
        tick(engagements["Fabrikam"], carla, "avaliar")
        sign(engagements["Fabrikam"], carla, "avaliar")
        tick(engagements["Fabrikam"], carla, "corrigir", Party.CUSTOMER)
        overdue = engagements["Contoso"].tasks.filter(phase__code="avaliar", party=Party.MICROSOFT)
        task_set_due_date(task=overdue.first(), user=carla, due_date=datetime.date(2026, 9, 28))
        soon = engagements["Contoso"].tasks.filter(phase__code="avaliar", party=Party.CUSTOMER)
        task_set_due_date(task=soon.first(), user=carla, due_date=datetime.date(2026, 10, 4))
        return engagements


portfolio_rows = shared_rows("portfolio_rows", build_portfolio)


@pytest.fixture
def portfolio(portfolio_rows, clock):
    """Three engagements Carla manages, in different states; the clock at 2026-09-29 12:00."""
    clock("2026-09-29 12:00")
    return portfolio_rows


def test_engagement_dashboard_figures_match_the_tasks(client, vera, portfolio):
    contoso = portfolio["Contoso"]
    Profile.objects.create(user=vera, language="en")
    client.force_login(vera)
    context = client.get(reverse("engagement-dashboard", args=[contoso.pk])).context
    for row in context["progress"].phases:
        phase_filter = {"phase": row.phase} if row.phase else {"phase__isnull": True}
        for party in Party.values:
            tally = row.by_party[party]
            assert (tally.done, tally.total) == expected_tally(contoso, party=party, **phase_filter)
    status = context["status"]
    assert status.current_phase.code == "avaliar"
    assert [t.pk for t in context["due"].overdue[Party.MICROSOFT]] == list(
        contoso.tasks.filter(done=False, due_date__lt=datetime.date(2026, 9, 29)).values_list(
            "pk", flat=True
        )
    )
    assert len(context["due"].due_soon[Party.CUSTOMER]) == 1
    assert context["risk_reasons"] == ["1 task overdue (customer 0, Microsoft 1)"]


def test_the_burnup_follows_the_activity_log_including_unticks(clock, client, carla, engagement):
    tasks = list(engagement.tasks.exclude(phase=None).order_by("position")[:5])
    clock("2026-09-17 10:00")
    for task in tasks[:3]:
        task_set_done(task=task, user=carla, done=True)
    clock("2026-09-18 10:00")
    task_set_done(task=tasks[0], user=carla, done=False)
    clock("2026-09-20 10:00")
    for task in tasks[3:5]:
        task_set_done(task=task, user=carla, done=True)
    client.force_login(carla)
    chart = client.get(reverse("engagement-dashboard", args=[engagement.pk])).context["burnup"]
    assert chart.points == [
        (datetime.date(2026, 9, 15), 0),
        (datetime.date(2026, 9, 17), 3),
        (datetime.date(2026, 9, 18), 2),
        (datetime.date(2026, 9, 20), 4),
    ]
    assert chart.points[-1][1] == engagement.tasks.filter(done=True).count()
    assert chart.total == engagement.tasks.exclude(phase=None).count()


def test_a_checkpoint_soon_with_its_phase_far_from_done_is_a_risk(clock, portfolio, carla):
    alpine = portfolio["Alpine"]
    tick(alpine, carla, "iniciar")
    checkpoint_schedule(
        engagement=alpine,
        user=carla,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Checklist",
        starts_at=at("2026-10-01 10:00"),
        ends_at=at("2026-10-01 11:00"),
        attendees=[carla],
    )
    status = engagement_statuses([alpine], timezone.now())[alpine.pk]
    (reason,) = status.risk_reasons(timezone.now())
    assert "Checklist" in reason and "2" in reason and "0%" in reason


def test_an_engagement_quiet_for_two_weeks_is_a_risk(clock, portfolio):
    clock("2026-10-15 12:00")
    alpine = portfolio["Alpine"]  # nothing since it was created on 2026-09-16
    status = engagement_statuses([alpine], timezone.now())[alpine.pk]
    assert len(status.risk_reasons(timezone.now())) == 1
    fabrikam = portfolio["Fabrikam"]  # last tick on 2026-09-25: 20 days ago
    status = engagement_statuses([fabrikam], timezone.now())[fabrikam.pk]
    assert len(status.risk_reasons(timezone.now())) == 1


def rows_of(response):
    return [row.engagement.customer for row in response.context["page"].object_list]


def test_portfolio_columns_match_the_tasks(client, carla, portfolio):
    client.force_login(carla)
    response = client.get(reverse("portfolio"))
    assert rows_of(response) == ["Alpine", "Contoso", "Fabrikam"]
    for row in response.context["page"].object_list:
        engagement = row.engagement
        assert (row.status.customer.done, row.status.customer.total) == expected_tally(
            engagement, party=Party.CUSTOMER
        )
        assert (row.status.microsoft.done, row.status.microsoft.total) == expected_tally(
            engagement, party=Party.MICROSOFT
        )
        assert (
            row.status.overdue
            == engagement.tasks.filter(done=False, due_date__lt=datetime.date(2026, 9, 29)).count()
        )
    current = {
        row.engagement.customer: row.status.current_phase.code
        for row in response.context["page"].object_list
    }
    assert current == {"Alpine": "iniciar", "Contoso": "avaliar", "Fabrikam": "corrigir"}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"sort": "-customer"}, ["Fabrikam", "Contoso", "Alpine"]),
        ({"sort": "-overdue"}, ["Contoso", "Alpine", "Fabrikam"]),
        ({"sort": "-customer_progress"}, ["Fabrikam", "Contoso", "Alpine"]),
        ({"sort": "phase"}, ["Alpine", "Contoso", "Fabrikam"]),
        ({"phase": "avaliar"}, ["Contoso"]),
        ({"at_risk": "yes"}, ["Contoso"]),
        ({"at_risk": "no"}, ["Alpine", "Fabrikam"]),
        ({"service": "azure_rms"}, ["Fabrikam"]),
        ({"q": "fab"}, ["Fabrikam"]),
        ({"sort": "nonsense", "phase": "nowhere"}, ["Alpine", "Contoso", "Fabrikam"]),
    ],
)
def test_portfolio_sorts_and_filters(client, carla, portfolio, params, expected):
    client.force_login(carla)
    assert rows_of(client.get(reverse("portfolio"), params)) == expected


def test_portfolio_shows_only_what_the_user_may_see(client, otto, ada, portfolio, other_engagement):
    client.force_login(otto)
    assert rows_of(client.get(reverse("portfolio"))) == ["Northwind"]
    client.force_login(ada)
    assert rows_of(client.get(reverse("portfolio"))) == [
        "Alpine",
        "Contoso",
        "Fabrikam",
        "Northwind",
    ]


def test_the_matrix_shows_progress_and_days_per_phase(client, carla, portfolio):
    client.force_login(carla)
    response = client.get(reverse("portfolio-matrix"), {"q": "fabrikam"})
    (row,) = response.context["page"].object_list
    cells = {cell.phase.code: cell for cell in row.status.matrix_cells()}
    assert cells["iniciar"].is_done and cells["iniciar"].days == 5  # 15 to 20 September
    assert cells["avaliar"].is_done and cells["avaliar"].days == 5  # 20 to 25 September
    assert cells["corrigir"].is_current and cells["corrigir"].days == 4  # 25 September to today
    assert (cells["corrigir"].customer.done, cells["corrigir"].customer.total) == (2, 2)
    assert cells["corrigir"].microsoft.done == 0
    assert row.status.waiting_on() == "microsoft"
    assert cells["habilitar"].days is None
    html = response.content.decode()
    assert html.count('<span class="days">5 dias</span>') == 2
    assert '<span class="days">4 dias</span>' in html


def test_the_summary_counts_the_whole_filtered_portfolio(client, carla, portfolio):
    client.force_login(carla)
    response = client.get(reverse("portfolio-summary"))
    summary = response.context["summary"]
    assert dict(summary.per_phase)["Iniciar"] == 1
    assert dict(summary.per_phase)["Avaliar"] == 1
    assert dict(summary.per_phase)["Corrigir"] == 1
    assert (summary.on_track, summary.at_risk) == (2, 1)
    assert summary.overdue_by_party == {"customer": 0, "microsoft": 1}
    waiting = dict(summary.waiting_by_phase)
    assert waiting["Corrigir"] == {"customer": 0, "microsoft": 1, "both": 0}
    html = response.content.decode()
    assert html.count('class="chart-data"') == 3
    bars = {bar.label: bar.value for bar in response.context["risk_chart"].bars}
    assert list(bars.values()) == [2, 1]


def test_the_csv_is_the_filtered_table(client, carla, portfolio):
    client.force_login(carla)
    response = client.get(reverse("portfolio-csv"), {"sort": "-overdue", "service": "intune"})
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert len(rows) == 2
    header, contoso = rows
    record = dict(zip(header, contoso, strict=True))
    assert record[header[0]] == "Contoso"
    done, total = expected_tally(portfolio["Contoso"], party=Party.CUSTOMER)
    assert (record[header[3]], record[header[4]]) == (str(done), str(total))
    assert record[header[7]] == "1"


@pytest.mark.parametrize("count", [3, 12])
def test_portfolio_pages_cost_the_same_queries_at_any_size(
    clock, client, catalogue, carla, ada, count, django_assert_num_queries
):
    for index in range(count):
        engagement = make_engagement(created_by=ada, customer=f"Customer {index:02}", intune=True)
        Membership.objects.create(engagement=engagement, user=carla, party=Party.CUSTOMER)
    client.force_login(carla)
    # session, user, profile, the user's and groups' permissions, the phases, the page's ids
    # (a first page that holds everything needs no count) and its rows' stored status
    with django_assert_num_queries(8):
        client.get(reverse("portfolio"))
    with django_assert_num_queries(8):
        client.get(reverse("portfolio-matrix"))
    # sorted by a figure of today's, decided in SQL: her count and the span of the
    # engagements' ids first, which say whether her page is found among every engagement's
    # first rows (portfolio_narrowing)
    with django_assert_num_queries(10):
        client.get(reverse("portfolio"), {"sort": "-risk"})
    # the same, with the summary's one grouped query instead of the page
    with django_assert_num_queries(7):
        client.get(reverse("portfolio-summary"))


@pytest.mark.parametrize("done_count", [5, 50])
def test_engagement_dashboard_queries_do_not_grow(
    clock, client, carla, engagement, done_count, django_assert_max_num_queries
):
    for task in engagement.tasks.exclude(phase=None).order_by("position")[:done_count]:
        tick_task(task, carla)
    client.force_login(carla)
    # session, user, profile, engagement, membership, phases, task counts, sign-offs,
    # checkpoints, last activity, due tasks, burn-up events, recent activity, and the phases'
    # names once the engagement's baseline is among the recent events (known: one per plan or
    # gate event shown, at most the activity's length)
    with django_assert_max_num_queries(14):
        client.get(reverse("engagement-dashboard", args=[engagement.pk]))


def test_outsider_gets_404_for_the_dashboard(client, otto, engagement):
    client.force_login(otto)
    assert client.get(reverse("engagement-dashboard", args=[engagement.pk])).status_code == 404


@pytest.mark.parametrize(
    "name", ["portfolio", "portfolio-matrix", "portfolio-summary", "portfolio-csv"]
)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["portfolio", "portfolio-matrix"])
def test_no_two_portfolio_columns_share_a_heading(client, carla, engagement, name):
    client.force_login(carla)
    page = client.get(reverse(name)).content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    cells = re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)
    # The sort arrow marks the current column; it is not part of the heading.
    headings = [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in cells]
    assert len(headings) == len(set(headings)), headings
