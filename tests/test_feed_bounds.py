"""The calendar feed's bounds (engagements/meetings/feeds.py): checkpoints from FEED_PAST back
on, due dates however overdue, and at most FEED_UPCOMING checkpoints to come, FEED_RECENT past
ones and FEED_DUE_DATES due dates, the nearest ones; each with an item just inside and one
just outside."""

import datetime

import icalendar
from django.urls import reverse
from django.utils import timezone

from accounts.services import calendar_feed_renew
from engagements.meetings.calendar import checkpoint_uid
from engagements.meetings.feeds import (
    FEED_DUE_DATES,
    FEED_PAST,
    FEED_RECENT,
    FEED_UPCOMING,
    task_due_uid,
)
from engagements.models import Checkpoint, Task
from responsibilities.models import Party, Phase

from .factories import at, make_checkpoint

CLOCK_START = "2026-10-01 09:00"


def feed_uids(client, user) -> set[str]:
    """The UIDs of the events in the user's feed, fetched as a calendar program does."""
    client.logout()
    response = client.get(reverse("calendar-feed", args=[calendar_feed_renew(user=user)]))
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(b"".join(response.streaming_content))
    return {str(event["uid"]) for event in calendar.walk("VEVENT")}


def own_open_tasks(engagement, user, due_dates) -> list[Task]:
    """Open tasks of the engagement given to `user`, due on `due_dates`, one each."""
    tasks = list(
        engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False, done=False)[
            : len(due_dates)
        ]
    )
    for task, due_date in zip(tasks, due_dates, strict=True):
        Task.objects.filter(pk=task.pk).update(owner=user, due_date=due_date)
    return tasks


def test_a_checkpoint_starting_as_the_window_opens_is_listed_one_a_minute_earlier_is_not(
    client, clock, engagement, carla
):
    opens = at(CLOCK_START) - FEED_PAST
    clock("2026-05-04 09:00")  # when they were scheduled
    inside = make_checkpoint(engagement, carla, starts_at=opens, attendees=[carla])
    outside = make_checkpoint(
        engagement, carla, starts_at=opens - datetime.timedelta(minutes=1), attendees=[carla]
    )
    clock(CLOCK_START)
    found = feed_uids(client, carla)
    assert checkpoint_uid(inside) in found
    assert checkpoint_uid(outside) not in found


def test_an_open_task_stays_in_the_feed_however_overdue(client, clock, engagement, carla):
    long_ago = timezone.localdate() - FEED_PAST - datetime.timedelta(days=365)
    (overdue,) = own_open_tasks(engagement, carla, [long_ago])
    assert task_due_uid(overdue) in feed_uids(client, carla)


def _checkpoints(engagement, starts: list[datetime.datetime]) -> list[Checkpoint]:
    phase = Phase.objects.get(code="avaliar")
    return Checkpoint.objects.bulk_create(
        Checkpoint(
            engagement=engagement,
            phase=phase,
            kind="checkpoint_call",
            title=f"Chamada {number}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
        for number, start in enumerate(starts)
    )


def test_past_the_limits_the_nearest_checkpoints_and_the_soonest_due_dates_are_listed(
    client, clock, engagement, carla
):
    """Someone on thousands of engagements gets a feed of the same size as someone on a few
    dozen: what comes next, what just happened, what is due first."""
    now, minute = timezone.now(), datetime.timedelta(minutes=1)
    # Soonest first: the last of these starts after FEED_UPCOMING others.
    upcoming = _checkpoints(engagement, [now + n * minute for n in range(FEED_UPCOMING + 1)])
    # Latest first: the last of these started before FEED_RECENT others.
    recent = _checkpoints(engagement, [now - (n + 1) * minute for n in range(FEED_RECENT + 1)])
    Task.objects.bulk_create(
        Task(
            engagement=engagement,
            phase=Phase.objects.get(code="corrigir"),
            party=Party.CUSTOMER,
            position=5000 + number,
            text_pt=f"Tarefa {number}",
            text_en=f"Task {number}",
            owner=carla,
            due_date=timezone.localdate() + datetime.timedelta(days=number),
        )
        for number in range(FEED_DUE_DATES + 1)
    )
    due = list(Task.objects.filter(position__gte=5000).order_by("position"))
    found = feed_uids(client, carla)
    for checkpoints in (upcoming, recent):
        assert {checkpoint_uid(checkpoint) for checkpoint in checkpoints[:-1]} <= found
        assert checkpoint_uid(checkpoints[-1]) not in found
    assert {task_due_uid(task) for task in due[:-1]} <= found
    assert task_due_uid(due[-1]) not in found
