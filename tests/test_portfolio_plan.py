"""The portfolio by the plan: sorted and filtered by slip (forecast end minus planned end) and by
planned end, paged by keyset like every other order, the exports with the new columns."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Profile
from engagements.models import Engagement

from .factories import make_engagement

CLOCK_START = "2026-10-20 10:00"
TODAY = datetime.date(2026, 10, 20)
PLANNED_END = datetime.date(2026, 12, 18)


def set_plan(engagement, *, slip: int | None, planned_end=PLANNED_END):
    """The stored plan columns as the status refresh writes them: the forecast's days left
    such that today's slip is `slip` (None: no forecast)."""
    days = None if slip is None else (planned_end - TODAY).days + slip
    Engagement.objects.filter(pk=engagement.pk).update(
        status_plan_version=1,
        status_planned_end=planned_end,
        status_forecast="ready" if slip is not None else "history",
        status_forecast_p50_days=days,
        status_forecast_p85_days=None if days is None else days + 7,
        status_on_plan_until_p50=(
            None if days is None else planned_end - datetime.timedelta(days=days)
        ),
    )


@pytest.fixture
def slips(clock, catalogue, ada):
    """Five engagements a day apart in slip around zero, and one without a forecast."""
    made = {}
    for name, slip in [
        ("Ahead", -1),
        ("Exact", 0),
        ("Late", 1),
        ("Later", 9),
        ("None", None),
        ("Early", -5),
    ]:
        made[name] = make_engagement(created_by=ada, customer=name)
        set_plan(made[name], slip=slip)
    return made


def customers(client, **params) -> list[str]:
    page = client.get(reverse("portfolio"), params)
    return [row.engagement.customer for row in page.context["page"].object_list]


def test_sorted_by_slip_both_ways_with_no_forecast_last(client, ada, slips):
    client.force_login(ada)
    assert customers(client, sort="slip") == ["Early", "Ahead", "Exact", "Late", "Later", "None"]
    assert customers(client, sort="-slip") == ["Later", "Late", "Exact", "Ahead", "Early", "None"]


@pytest.mark.parametrize(
    ("slip", "expected"),
    [
        ("late", ["Late", "Later"]),  # a day late and more
        ("on_plan", ["Ahead", "Early", "Exact"]),  # slip 0 is on plan
        ("none", ["None"]),
    ],
)
def test_filtered_by_slip_at_its_edges(client, ada, slips, slip, expected):
    client.force_login(ada)
    assert customers(client, slip=slip) == expected


def test_the_slip_moves_with_today_without_a_refresh(clock, client, ada, slips):
    """The forecast is stored as days left from its day: a day later with nothing done, the
    one exactly on plan is a day late."""
    clock("2026-10-21 10:00")
    client.force_login(ada)
    assert customers(client, slip="late") == ["Exact", "Late", "Later"]


def test_sorted_and_filtered_by_planned_end(client, ada, slips):
    set_plan(slips["Early"], slip=-5, planned_end=datetime.date(2026, 11, 30))
    set_plan(slips["Later"], slip=9, planned_end=datetime.date(2027, 1, 15))
    Engagement.objects.filter(pk=slips["None"].pk).update(status_planned_end=None)
    client.force_login(ada)
    order = customers(client, sort="planned_end")
    assert order[0] == "Early" and order[-2:] == ["Later", "None"]
    assert customers(client, sort="-planned_end")[:2] == ["None", "Later"]
    assert customers(client, planned_end_to="2026-12-17") == ["Early"]
    assert customers(client, planned_end_from="2026-12-18", planned_end_to="2026-12-18") == [
        "Ahead",
        "Exact",
        "Late",
    ]
    # A date out of the window is dropped, not an error, as the page's other filters.
    assert len(customers(client, planned_end_from="1999-12-31")) == 6


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-slip", ["Later", "Late", "Exact", "Ahead", "Early", "None"]),
        ("slip", ["Early", "Ahead", "Exact", "Late", "Later", "None"]),
    ],
)
def test_keyset_pages_keep_the_slip_order_forwards_and_from_the_last(
    client, ada, slips, monkeypatch, sort, expected
):
    monkeypatch.setattr("engagements.status.portfolio.PORTFOLIO_PAGE_SIZE", 4)
    client.force_login(ada)
    first = client.get(reverse("portfolio"), {"sort": sort}).context["page"]
    second = client.get(reverse("portfolio") + "?" + first.next_link()).context["page"]
    assert [row.engagement.customer for row in first.object_list + second.object_list] == expected
    last = client.get(reverse("portfolio") + "?" + first.last_link()).context["page"]
    assert [row.engagement.customer for row in last.object_list] == expected[4:]
    back = client.get(reverse("portfolio") + "?" + last.previous_link()).context["page"]
    assert [row.engagement.customer for row in back.object_list] == expected[:4]


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_the_table_shows_the_planned_end_and_the_slip(client, ada, slips, language):
    Profile.objects.create(user=ada, language=language, time_zone="America/Sao_Paulo")
    client.force_login(ada)
    page = client.get(reverse("portfolio"), {"sort": "-slip"}).content.decode()
    expected = {
        "pt-br": ["Término planejado", "Desvio", "18/12/2026", "9 dias de atraso", "no prazo"],
        "en": ["Planned end", "Slip", "18 Dec 2026", "9 days late", "1 day ahead", "on plan"],
    }[language]
    for text in expected:
        assert text in page, text


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_the_exports_gain_the_columns(client, ada, slips, language):
    Profile.objects.create(user=ada, language=language, time_zone="America/Sao_Paulo")
    client.force_login(ada)
    body = b"".join(client.get(reverse("portfolio-csv"), {"sort": "-slip"}).streaming_content)
    delimiter = ";" if language == "pt-br" else ","
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))
    header = rows[0]
    heading = {"pt-br": "Desvio (dias)", "en": "Slip (days)"}[language]
    assert header[-3:][2] == heading
    later = rows[1]
    assert later[0] == "Later" and later[-3:] == ["2026-12-18", "2026-12-27", "9"]
    assert rows[-1][0] == "None" and rows[-1][-2:] == ["", ""]
    response = client.get(reverse("portfolio-xlsx"), {"sort": "-slip"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    # A day as Excel keeps it: a moment at midnight, shown as a date.
    assert values[1][-3].date() == PLANNED_END
    assert values[1][-1] == 9
    date_cell = list(sheet.iter_rows())[1][-3]
    assert date_cell.number_format == {"pt-br": "dd/mm/yyyy", "en": "d mmm yyyy"}[language]


@pytest.mark.parametrize("count", [3, 12])
@pytest.mark.parametrize("sort", ["slip", "-slip", "planned_end", "-planned_end"])
def test_the_new_sorts_cost_what_the_others_do(
    clock, client, catalogue, ada, count, sort, django_assert_num_queries
):
    for number in range(count):
        engagement = make_engagement(created_by=ada, customer=f"C{number:02}")
        set_plan(engagement, slip=None if number % 4 == 0 else number - 5)
    client.force_login(ada)
    # session, user, profile, phases, the page's ids, its rows (one page holds them all)
    with django_assert_num_queries(6):
        response = client.get(reverse("portfolio"), {"sort": sort, "planned_end_to": "2027-01-01"})
    assert len(response.context["page"].object_list) == count
