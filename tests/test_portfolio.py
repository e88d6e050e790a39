"""The portfolio from the stored status: every sort and filter the database does gives the order
the rules give over the rows, pages are pages, and the CSV streams."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement, Membership
from engagements.selectors.engagements import engagement_list_for
from engagements.selectors.keyset import Narrowing, first_rows
from engagements.services.tasks import task_set_due_date
from engagements.status import portfolio as portfolio_selectors
from engagements.status.selectors import engagement_statuses
from engagements.status.sorts import PORTFOLIO_SORTS, portfolio_keys
from responsibilities.models import Party

from .factories import catalogue_ensure, make_checkpoint, make_engagement, make_persona, tick
from .shared import shared_rows, stopped_clock
from .test_dashboards import sign
from .test_dashboards import tick as tick_phase

CLOCK_START = "2026-09-16 09:00"
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)

# The columns' keys as the rules over the rows give them: what each sort must follow.
KEYS = {
    "customer": lambda s, now: s.engagement.customer,
    "services": lambda s, now: ", ".join(s.engagement.services()),
    "phase": lambda s, now: s.current_phase.order if s.current_phase else 99,
    "customer_progress": lambda s, now: s.customer.percent,
    "microsoft_progress": lambda s, now: s.microsoft.percent,
    # The most overdue is the one whose oldest open task was due first; none due, the least.
    "overdue": lambda s, now: (True, -s.earliest_due.toordinal()) if s.earliest_due else (False, 0),
    "next_checkpoint": lambda s, now: s.next_checkpoint.starts_at if s.next_checkpoint else LATEST,
    "last_activity": lambda s, now: s.last_activity_at or EARLIEST,
    "risk": lambda s, now: len(s.risk_reasons(now)),
}


def build_varied():
    """Five engagements Carla manages, each different in every column."""
    with stopped_clock(CLOCK_START) as clock:
        catalogue_ensure()
        carla, ada = make_persona("carla"), make_persona("ada")
        scopes = {
            "Alpine": {"aad_premium": True},
            "Baltic": {"intune": True, "azure_rms": True},
            "Contoso": {"aad_premium": True, "intune": True},
            "Delta": {"azure_rms": True},
            "Echo": {"aad_premium": True, "azure_rms": True},
        }
        engagements = {}
        for name, scope in scopes.items():
            engagements[name] = make_engagement(created_by=ada, customer=name, **scope)
            Membership.objects.create(
                engagement=engagements[name], user=carla, party=Party.CUSTOMER, role="manager"
            )
        clock("2026-09-18 10:00")
        tick_phase(engagements["Echo"], carla, "iniciar")
        sign(engagements["Echo"], carla, "iniciar")
        clock("2026-09-20 10:00")
        for count, name in enumerate(["Baltic", "Delta", "Echo"], start=2):
            tasks = engagements[name].tasks.exclude(phase=None).order_by("position")
            for task in tasks[: count * 3]:
                tick(task, carla)
        clock("2026-09-24 10:00")
        today = timezone.localdate()
        for hour, (days, name) in enumerate(
            [(-3, "Contoso"), (-1, "Delta"), (-2, "Echo"), (20, "Alpine")]
        ):
            clock(f"2026-09-24 1{hour}:00")
            task = engagements[name].tasks.filter(done=False).exclude(phase=None).order_by("?")[0]
            task_set_due_date(task=task, user=carla, due_date=today + datetime.timedelta(days=days))
        for hour, (days, name) in enumerate([(12, "Delta"), (15, "Alpine")]):
            clock(f"2026-09-24 1{hour + 5}:00")
            make_checkpoint(
                engagements[name],
                carla,
                starts_at=timezone.now() + datetime.timedelta(days=days),
                attendees=[],
            )
        return engagements


varied_rows = shared_rows("varied_rows", build_varied)


@pytest.fixture
def varied(varied_rows, clock):
    """Five engagements Carla manages, each different in every column, on 2026-10-05."""
    clock("2026-10-05 12:00")  # Baltic has been quiet since 20 September; Delta meets soon
    return varied_rows


def as_stored(engagements: dict) -> list:
    """The engagements as the database holds them now: the plan's rules read the forecast
    stored with the status, which the objects built earlier hold as it was then."""
    return list(Engagement.objects.filter(pk__in=[e.pk for e in engagements.values()]))


def expected_order(engagements, sort, now):
    statuses = engagement_statuses(as_stored(engagements), now).values()
    ordered = sorted(statuses, key=lambda s: s.engagement.customer)
    key = KEYS[sort.lstrip("-")]
    ordered.sort(key=lambda s: key(s, now), reverse=sort.startswith("-"))
    return [s.engagement.customer for s in ordered]


def shown(client, **params):
    page = client.get(reverse("portfolio"), params).context["page"]
    return [row.engagement.customer for row in page.object_list]


@pytest.mark.parametrize("sort", [*KEYS, *(f"-{key}" for key in KEYS)])
def test_each_sort_follows_the_rules_over_the_rows(client, carla, varied, sort):
    client.force_login(carla)
    assert shown(client, sort=sort) == expected_order(varied, sort, timezone.now())


def test_the_varied_portfolio_is_varied(varied):
    """So the sorts above are not passing on ties."""
    now = timezone.now()
    statuses = engagement_statuses(as_stored(varied), now).values()
    for name, key in KEYS.items():
        assert len({key(s, now) for s in statuses}) >= 2, name


@pytest.mark.parametrize("at_risk", ["yes", "no"])
def test_the_risk_filter_keeps_what_the_rules_say(client, carla, varied, at_risk):
    client.force_login(carla)
    now = timezone.now()
    statuses = engagement_statuses(as_stored(varied), now).values()
    expected = sorted(
        s.engagement.customer for s in statuses if bool(s.risk_reasons(now)) == (at_risk == "yes")
    )
    assert shown(client, at_risk=at_risk) == expected
    assert 0 < len(expected) < len(varied)


@pytest.mark.parametrize(
    "filters", [{"q": "alp"}, {"at_risk": "yes"}, {"service": "intune"}, {"phase": "avaliar"}]
)
def test_a_filtered_portfolio_counts_what_passes_its_filters(
    client, carla, varied, monkeypatch, filters
):
    client.force_login(carla)
    passing = len(shown(client, **filters))
    assert 0 < passing < len(varied)
    monkeypatch.setattr(portfolio_selectors, "PORTFOLIO_PAGE_SIZE", 1)
    assert client.get(reverse("portfolio"), filters).context["page"].count == passing


def page_at(client, link):
    return client.get(f"{reverse('portfolio')}?{link}").context["page"]


def customers(page):
    return [row.engagement.customer for row in page.object_list]


def pages_from(client, link):
    """The page the link names and every page after it, by their "next" links."""
    pages = [page_at(client, link)]
    while pages[-1].has_next():
        pages.append(page_at(client, pages[-1].next_link()))
    return pages


@pytest.mark.parametrize("sort", [*KEYS, *(f"-{key}" for key in KEYS)])
def test_pages_follow_each_other_both_ways_and_say_where_they_are(
    client, carla, varied, monkeypatch, sort
):
    monkeypatch.setattr(portfolio_selectors, "PORTFOLIO_PAGE_SIZE", 2)
    client.force_login(carla)
    expected = expected_order(varied, sort, timezone.now())
    pages = pages_from(client, f"sort={sort}")
    assert [name for page in pages for name in customers(page)] == expected
    assert [(page.start, page.end, page.count) for page in pages] == [
        (1, 2, 5),
        (3, 4, 5),
        (5, 5, 5),
    ]
    last = page_at(client, pages[0].last_link())
    assert (customers(last), last.start, last.has_next()) == (expected[4:], 5, False)
    back = page_at(client, last.previous_link())
    assert (customers(back), back.start) == (expected[2:4], 3)
    first = page_at(client, back.previous_link())
    assert (customers(first), first.start, first.has_previous()) == (expected[:2], 1, False)
    assert "sort=" in first.next_link()  # the links keep the sort and filters


@pytest.mark.parametrize("sort", ["last_activity", "-last_activity"])
def test_an_engagement_with_no_activity_stored_is_the_stalest_on_every_page(
    client, carla, varied, monkeypatch, sort
):
    """The sort reads an empty last activity as a moment before any (what its indexes hold):
    first going up, last going down, the others in their order, page after page."""
    monkeypatch.setattr(portfolio_selectors, "PORTFOLIO_PAGE_SIZE", 2)
    client.force_login(carla)
    others = [name for name in expected_order(varied, sort, timezone.now()) if name != "Delta"]
    Engagement.objects.filter(pk=varied["Delta"].pk).update(status_last_activity_at=None)
    expected = ["Delta", *others] if sort == "last_activity" else [*others, "Delta"]
    pages = pages_from(client, f"sort={sort}")
    assert [name for page in pages for name in customers(page)] == expected
    back = page_at(client, page_at(client, pages[0].last_link()).previous_link())
    assert customers(back) == expected[2:4]


# The sorts whose first page walks an index, and its name (engagements/models/engagements.py).
INDEXED_SORTS = {
    "customer": "engagement_by_customer",
    "overdue": "engagement_by_last_due",
    "-overdue": "engagement_by_first_due",
    "customer_progress": "engagement_by_customer_done",
    "microsoft_progress": "engagement_by_microsoft_done",
    "planned_end": "engagement_by_planned_end",
    "-planned_end": "engagement_by_late_planned_end",
    "slip": "engagement_by_least_slip",
    "-slip": "engagement_by_most_slip",
    "last_activity": "engagement_by_stalest",
    "-last_activity": "engagement_by_latest_activity",
    "services": "engagement_by_services",
    "-services": "engagement_by_services_desc",
}


@pytest.mark.parametrize("sort", INDEXED_SORTS)
def test_the_indexed_sorts_read_their_index(ada, varied, sort):
    """The sort's key must be spelt as its index is, or the page sorts every engagement."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; .ci/run runs the suite there too")
    with connection.cursor() as cursor:
        # Left no sort and no table scan, the planner must walk an index in the page's order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    page = portfolio_selectors.portfolio_queryset(ada, {"sort": sort}, timezone.now())[:50]
    assert INDEXED_SORTS[sort] in page.explain()


def test_the_on_track_filter_reads_its_index(ada, varied):
    """ "Not yet at risk" must be spelt as its index is, or the filter reads every engagement
    (or, by a bitmap, a table page for each one not yet at risk)."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's; .ci/run runs the suite there too")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    page = portfolio_selectors.portfolio_queryset(ada, {"at_risk": "no"}, timezone.now())[:50]
    assert "engagement_on_track_scan" in page.explain()


def test_a_page_after_a_row_gone_starts_over_and_a_made_up_link_reads_as_the_first(
    client, carla, varied, monkeypatch
):
    monkeypatch.setattr(portfolio_selectors, "PORTFOLIO_PAGE_SIZE", 2)
    client.force_login(carla)
    first = page_at(client, "")
    second = page_at(client, first.next_link())
    varied["Alpine"].memberships.filter(user=carla).delete()  # no longer Carla's to see
    assert customers(page_at(client, first.next_link())) == customers(second)
    Engagement.objects.filter(pk=first.last_pk).delete()
    restarted = page_at(client, first.next_link())
    assert (restarted.start, restarted.count) == (1, 3)
    for link in ("after=x", "after=99999999999999999999", "before=-1", "start=abc", "last=2"):
        assert page_at(client, link).start == 1, link


def reads_engagements(queries) -> int:
    return sum('FROM "engagements_engagement"' in query["sql"] for query in queries)


def test_the_csv_query_runs_while_it_streams(client, carla, varied):
    client.force_login(carla)
    with CaptureQueriesContext(connection) as answering:
        response = client.get(reverse("portfolio-csv"), {"sort": "-overdue"})
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as header_sent:
        header = next(chunks)  # the header leaves before the database is asked for rows
    with CaptureQueriesContext(connection) as streaming:
        body = b"".join(chunks)
    assert len(header_sent) == 0
    assert (reads_engagements(answering), reads_engagements(streaming)) == (0, 1)
    rows = list(csv.reader(io.StringIO((header + body).decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == expected_order(varied, "-overdue", timezone.now())


def test_the_summary_counts_what_the_rules_say(client, carla, varied):
    client.force_login(carla)
    summary = client.get(reverse("portfolio-summary")).context["summary"]
    now = timezone.now()
    statuses = list(engagement_statuses(as_stored(varied), now).values())
    at_risk = sum(1 for s in statuses if s.risk_reasons(now))
    assert (summary.on_track, summary.at_risk) == (len(statuses) - at_risk, at_risk)
    assert summary.overdue_by_party == {
        party: sum(s.overdue_by_party[party] for s in statuses) for party in Party.values
    }
    assert sum(count for _name, count in summary.per_phase) == len(statuses)


def test_the_customer_searches_can_read_the_trigram_index(ada, varied):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's; .ci/run runs the suite there too")
    with connection.cursor() as cursor:
        # Left only bitmap scans, the planner must find an index for the query as the ORM
        # writes it, or scan the table anyway: the plan names which.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
    now = timezone.now()
    searches = [
        engagement_list_for(ada, "alp"),
        portfolio_selectors.portfolio_queryset(ada, {"q": "alp"}, now),
    ]
    for search in searches:
        assert "engagement_customer_search" in search.explain()


SCANNING_SORTS = [
    f"{way}{name}"
    for name, sort in PORTFOLIO_SORTS.items()
    if sort.scans
    for way in ("", "-")
]


def lined_up(carla, ada, hidden: list[str], seen: list[str]):
    """Only these engagements, made one after another so their ids leave no gap, each with
    AAD Premium and, but for B1 and B2, Intune; Carla may see the `seen` ones. Fresh, they
    are alike in risk, next checkpoint and phase: each sort orders them by name, both ways."""
    Engagement.objects.all().delete()
    for name in sorted(hidden + seen):
        engagement = make_engagement(
            created_by=ada, customer=name, aad_premium=True, intune=name not in ("B1", "B2")
        )
        if name in seen:
            engagement.memberships.create(user=carla, party=Party.CUSTOMER, role="manager")


def read_alone(queries) -> bool:
    """Whether the ids were read among every engagement's first rows alone: once, and not
    again by joining every engagement to the reader's memberships."""
    statements = [query["sql"] for query in queries]
    narrowed = sum('AS "seen"' in sql for sql in statements)
    joined = sum(
        sql.startswith('SELECT "engagements_engagement"."id" AS "pk" FROM') and "ORDER BY" in sql
        for sql in statements
    )
    return (narrowed, joined) == (1, 0)


def narrowed_page(client, link):
    """The page, and whether its ids were read among every engagement's first rows alone."""
    with CaptureQueriesContext(connection) as queries:
        page = page_at(client, link)
    return page, read_alone(queries)


def test_a_reader_who_sees_most_engagements_is_paged_among_every_engagements_first_rows(
    client, carla, ada, monkeypatch
):
    """Carla sees five engagements of nine: three sort first among equals (by name), one
    between her second and third. In each order no index holds her pages are read among the
    first rows of every engagement, as many more as she may not see, and never again: they
    hold hers alone, whole, in order, both ways. With nothing else in the table the ids leave
    no gap, so the four are counted exactly."""
    lined_up(carla, ada, hidden=["A1", "A2", "A3", "B25"], seen=["B1", "B2", "B3", "B4", "B5"])
    monkeypatch.setattr(portfolio_selectors, "PORTFOLIO_PAGE_SIZE", 2)
    client.force_login(carla)
    for sort in SCANNING_SORTS:
        visible, narrowing = portfolio_selectors.portfolio_narrowing(
            carla, {"sort": sort}, timezone.now()
        )
        assert (visible, narrowing.unseen) == (5, 4)
        pages = [narrowed_page(client, f"sort={sort}")]
        while pages[-1][0].has_next():
            pages.append(narrowed_page(client, pages[-1][0].next_link()))
        assert [(customers(page), alone) for page, alone in pages] == [
            (["B1", "B2"], True),
            (["B3", "B4"], True),
            (["B5"], True),
        ], sort
        last, alone = narrowed_page(client, pages[0][0].last_link())
        assert (customers(last), alone) == (["B5"], True)
        back, alone = narrowed_page(client, last.previous_link())
        assert (customers(back), back.start, alone) == (["B3", "B4"], 3, True)
        first, alone = narrowed_page(client, back.previous_link())
        assert (customers(first), alone) == (["B1", "B2"], True)
        assert api_pages(carla, sort) == [["B1", "B2"], ["B3", "B4"], ["B5"]], sort
    # Filtered, the engagements everyone sees are filtered alike: B1 and B2 have no Intune.
    page, alone = narrowed_page(client, "sort=risk&service=intune")
    assert (customers(page), alone) == (["B3", "B4"], True)


def api_pages(reader, sort):
    """The API's pages of two (each after the last row of the one before, which it reads
    again to tell whether it is gone), read among every engagement's first rows alone."""
    customer = dict(Engagement.objects.values_list("pk", "customer"))
    pages, after, now = [], None, timezone.now()
    while True:
        with CaptureQueriesContext(connection) as queries:
            ids = portfolio_selectors.portfolio_ids_after(
                reader, {"sort": sort}, now, after=after, size=2
            )
        assert read_alone(queries)
        pages.append([customer[pk] for pk in ids[:2]])
        if len(ids) <= 2:
            return pages
        after = ids[1]


def test_a_page_read_among_too_few_rows_is_read_again(carla, ada):
    """Carla's memberships counted before one of hers went: fewer unseen than there are.
    Her rows are read again, all of them joined to her memberships."""
    lined_up(carla, ada, hidden=["A1", "A2", "A3"], seen=["B1", "B2", "B3", "B4"])
    keys = portfolio_keys("risk", timezone.now())
    hers = Engagement.objects.filter(memberships__user=carla).values_list("pk", flat=True)
    customer = dict(Engagement.objects.values_list("pk", "customer"))
    for unseen, reads in [(3, 1), (2, 2)]:
        narrowing = Narrowing(Engagement.objects.all(), unseen)
        with CaptureQueriesContext(connection) as queries:
            found = first_rows(hers, keys, 3, narrowing=narrowing)
        assert ([customer[pk] for pk in found], len(queries)) == (["B1", "B2", "B3"], reads)


def test_the_narrowing_is_for_a_reader_of_most_engagements_and_few_unseen(carla, ada, monkeypatch):
    """At most as many unseen as she sees, and at most NARROWED_UNSEEN_AT_MOST; none for a
    reader who sees every engagement, in an order an index holds, or in an empty table."""
    now = timezone.now()
    Engagement.objects.all().delete()
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "risk"}, now) == (0, None)
    seen = ["B1", "B2", "B3"]
    lined_up(carla, ada, hidden=["A1", "A2", "A3"], seen=seen)
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "risk"}, now)[1].unseen == 3
    lined_up(carla, ada, hidden=["A1", "A2", "A3", "A4"], seen=seen)
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "risk"}, now) == (3, None)
    lined_up(carla, ada, hidden=["A1", "A2"], seen=seen)
    monkeypatch.setattr(portfolio_selectors, "NARROWED_UNSEEN_AT_MOST", 2)
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "risk"}, now)[1].unseen == 2
    monkeypatch.setattr(portfolio_selectors, "NARROWED_UNSEEN_AT_MOST", 1)
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "risk"}, now) == (3, None)
    assert portfolio_selectors.portfolio_narrowing(ada, {"sort": "risk"}, now) == (None, None)
    assert portfolio_selectors.portfolio_narrowing(carla, {"sort": "-overdue"}, now) == (
        None,
        None,
    )
