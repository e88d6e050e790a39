"""The API's portfolio rows carry the plan against the forecast and the level, as the portfolio
page and its exports show them (tests/test_portfolio_plan.py's engagements)."""

from django.urls import reverse

from ..test_portfolio_plan import CLOCK_START, slips  # noqa: F401 (the fixture)

assert CLOCK_START  # the `clock` fixture reads it from this module

# With the tolerance at 7 days and each 85% forecast a week after its 50%: Later's 50% is 9
# days past the planned end (late); Late's 85% is 8 past (at risk); Exact's 85% is 7 past, no
# more than the tolerance (on track).
LEVELS = {
    "Later": "late",
    "Late": "at_risk",
    "Exact": "on_track",
    "Ahead": "on_track",
    "Early": "on_track",
    "None": "on_track",
}


def test_the_rows_carry_the_planned_end_the_forecast_the_slip_and_the_level(
    api,
    ada,
    slips,  # noqa: F811 (the fixture)
):
    response = api(ada).get(reverse("api-portfolio"), {"sort": "-slip"})
    assert response.status_code == 200
    rows = {row["customer"]: row for row in response.json()["results"]}
    assert [row["customer"] for row in response.json()["results"]] == [
        "Later",
        "Late",
        "Exact",
        "Ahead",
        "Early",
        "None",
    ]
    later = rows["Later"]["plan"]
    assert later == {
        "version": 1,
        "planned_end": "2026-12-18",
        "baseline_end": "2026-12-18",
        "forecast_state": "ready",
        "forecast_p50": "2026-12-27",
        "forecast_p85": "2027-01-03",
        "finished_on": None,
        "slip_days": 9,
    }
    assert {name: row["plan"]["slip_days"] for name, row in rows.items()} == {
        "Later": 9,
        "Late": 1,
        "Exact": 0,
        "Ahead": -1,
        "Early": -5,
        "None": None,
    }
    assert rows["None"]["plan"]["forecast_state"] == "history"
    assert rows["None"]["plan"]["forecast_p50"] is None
    assert {name: row["level"] for name, row in rows.items()} == LEVELS
