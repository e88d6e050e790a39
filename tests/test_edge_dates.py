"""Date code at the moments that break it: the last day of a month late in the evening (already
the next day in UTC), 29 February, the two nights Lisbon changes its clocks, New Year's Eve at
23:30 and a single-digit day. Every test here runs at each of them; the whole suite also runs
400 days ahead in CI (README, "Two commands")."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import calendar_feed_renew
from engagements.meetings.feeds import task_due_uid
from engagements.meetings.forms import new_checkpoint_initial
from engagements.services.share_links import share_link_create
from engagements.services.tasks import task_set_due_date, task_set_owner
from fasttrack.formatting import format_date, format_datetime

from .factories import at
from .test_status_sql import agree, first_task, fresh  # noqa: F401 (fresh is a fixture)

CLOCK_START = "2027-01-04 12:00"
LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")
DAY = datetime.timedelta(days=1)

# Each edge: the moment, then the portal's date there as each language writes it.
EDGES = {
    "month end at 23:30, already 1 May in UTC": (
        at("2027-04-30 23:30"),
        ("30/04/2027", "30 Apr 2027"),
    ),
    "29 February": (at("2028-02-29 12:00"), ("29/02/2028", "29 Feb 2028")),
    # 01:30 UTC is 02:30 in Lisbon: its 01:00-02:00 never happened that night.
    "Lisbon springs forward": (
        datetime.datetime(2027, 3, 28, 1, 30, tzinfo=datetime.UTC),
        ("27/03/2027", "27 Mar 2027"),
    ),
    # 01:30 UTC is Lisbon's second 01:30 that night.
    "Lisbon falls back": (
        datetime.datetime(2027, 10, 31, 1, 30, tzinfo=datetime.UTC),
        ("30/10/2027", "30 Oct 2027"),
    ),
    "New Year's Eve at 23:30": (at("2027-12-31 23:30"), ("31/12/2027", "31 Dec 2027")),
    "a single-digit day": (at("2027-03-05 09:00"), ("05/03/2027", "5 Mar 2027")),
}


@pytest.fixture(params=EDGES.values(), ids=EDGES.keys())
def edge(request, clock):
    moment, written = request.param
    clock(moment)
    return written


def local(day: datetime.date, hour: int, minute: int, zone=None) -> datetime.datetime:
    zone = zone or timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def test_the_day_is_the_portal_s_and_written_for_the_reader(edge):
    pt_br, en = edge
    for language, expected in (("pt-br", pt_br), ("en", en)):
        with translation.override(language):
            assert format_date(timezone.localdate()) == expected


def test_a_task_due_today_is_overdue_from_the_next_local_midnight(
    edge,
    fresh,  # noqa: F811
    carla,
    settings,
):
    # The edges lie long after the engagement's planned end: its lateness is not the subject.
    settings.PLAN_SLIP_TOLERANCE_DAYS = 10 * 365
    today = timezone.localdate()
    task_set_due_date(task=first_task(fresh), user=carla, due_date=today)
    assert agree(fresh, local(today, 23, 59)) == []
    assert agree(fresh, local(today + DAY, 0, 0)) == ["overdue"]


def test_a_share_link_opens_until_the_end_of_its_last_day(edge, engagement, carla):
    for zone in (timezone.get_default_timezone(), LISBON):
        with timezone.override(zone):
            last_day = timezone.localdate() + DAY
            link, _token = share_link_create(
                engagement=engagement, user=carla, label="Diretoria", expires_on=last_day
            )
            assert link.last_day == last_day
            assert link.is_usable(local(last_day, 23, 59))
            assert not link.is_usable(local(last_day + DAY, 0, 0))


def test_due_dates_end_ten_years_ahead_on_the_same_day_or_the_last_of_february(
    edge, engagement, carla
):
    today = timezone.localdate()
    if (today.month, today.day) == (2, 29):
        last = datetime.date(today.year + 10, 2, 28)
    else:
        last = today.replace(year=today.year + 10)
    task = first_task(engagement)
    with pytest.raises(ValidationError):
        task_set_due_date(task=task, user=carla, due_date=last + DAY)
    task_set_due_date(task=task, user=carla, due_date=last)


def test_a_due_date_in_the_calendar_feed_ends_the_next_day(edge, client, engagement, carla):
    task = first_task(engagement)
    today = timezone.localdate()
    task_set_owner(task=task, user=carla, owner=carla)
    task_set_due_date(task=task, user=carla, due_date=today)
    response = client.get(reverse("calendar-feed", args=[calendar_feed_renew(user=carla)]))
    events = icalendar.Calendar.from_ical(b"".join(response.streaming_content)).walk("VEVENT")
    due = next(event for event in events if str(event["uid"]) == task_due_uid(task))
    assert (due.decoded("dtstart"), due.decoded("dtend")) == (today, today + DAY)


def test_a_new_checkpoint_is_offered_for_tomorrow_at_ten_local(edge, engagement):
    for zone in (timezone.get_default_timezone(), LISBON):
        with timezone.override(zone):
            offered = new_checkpoint_initial(engagement, None, timezone.now())["starts_at"]
            tomorrow = timezone.localdate() + DAY
            assert timezone.localtime(offered) == local(tomorrow, 10, 0)
            assert offered - timezone.now() < 2 * DAY


def test_moments_are_written_in_the_reader_s_wall_clock_time():
    """Lisbon's clocks go from 01:00 to 02:00 on 28 March and from 02:00 back to 01:00 on 31
    October 2027; a moment is written as the clock on the wall showed it."""
    with translation.override("en"), timezone.override(LISBON):
        before_spring = datetime.datetime(2027, 3, 28, 0, 59, tzinfo=datetime.UTC)
        assert format_datetime(before_spring) == "28 Mar 2027, 00:59"
        assert format_datetime(before_spring + datetime.timedelta(minutes=1)) == (
            "28 Mar 2027, 02:00"
        )
        first_half_past_one = datetime.datetime(2027, 10, 31, 0, 30, tzinfo=datetime.UTC)
        assert format_datetime(first_half_past_one) == "31 Oct 2027, 01:30"
        assert format_datetime(first_half_past_one + datetime.timedelta(hours=1)) == (
            "31 Oct 2027, 01:30"
        )
