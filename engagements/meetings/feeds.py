"""A person's private calendar feed: the checkpoints of the engagements they are a member of,
and the due dates of the open tasks they own, as one iCalendar file that calendar programs
subscribe to and fetch again now and then.

Each event keeps a stable UID, so a fetch replaces it instead of adding one: a checkpoint's is
the one its emails' .ics carry (engagements/meetings/calendar.py), with its SEQUENCE and, once
cancelled, STATUS:CANCELLED; a due date's is the task's, its SEQUENCE the number of times the
date changed. Whatever leaves the feed (a task done or given to someone else, an engagement the
person left) leaves their calendar at the next fetch. Each DTSTAMP is the event's last change,
so an unchanged feed reads the same byte for byte and its ETag holds.
"""

import datetime

from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from engagements.links import portal_host, portal_link
from engagements.meetings.calendar import PRODUCT_ID, checkpoint_event
from engagements.models import Checkpoint, EventKind, Task
from fasttrack.bounds import one_line


def task_due_uid(task) -> str:
    return f"task-{task.pk}-due@{portal_host()}"


def _due_event(task) -> Event:
    """The task's due date as an all-day event."""
    event = Event()
    event.add("uid", task_due_uid(task))
    event.add("sequence", task.due_date_changes)
    event.add("dtstamp", task.due_date_changed_at)
    event.add("dtstart", task.due_date)
    event.add("dtend", task.due_date + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a deadline, not a meeting: it leaves the day free
    summary = _("Due: %(task)s") % {"task": one_line(task.text)}
    event.add("summary", f"{one_line(task.engagement.customer)}: {summary}")
    link = portal_link("engagement-detail", task.engagement_id) + f"#task-{task.pk}"
    event.add("description", f"{task.text}\n\n{link}")
    event.add("url", link)
    return event


def user_feed(user, *, language: str) -> bytes:
    """The user's feed in their language (two queries, however many events)."""
    checkpoints = (
        Checkpoint.objects.filter(engagement__memberships__user=user)
        .select_related("engagement")
        .annotate(changed_at=Coalesce(Max("events__created_at"), "created_at"))
        .order_by("starts_at", "pk")
    )
    tasks = (
        Task.objects.open()
        .filter(engagement__memberships__user=user, owner=user, due_date__isnull=False)
        .select_related("engagement")
        .annotate(
            due_date_changes=Count("events", filter=Q(events__kind=EventKind.DUE_DATE_CHANGED)),
            # A due date set without an event (by an import) counts from the engagement's start.
            due_date_changed_at=Coalesce(
                Max("events__created_at", filter=Q(events__kind=EventKind.DUE_DATE_CHANGED)),
                "engagement__created_at",
            ),
        )
        .order_by("due_date", "position")
    )
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    with translation.override(language):
        calendar.add("x-wr-calname", _("FastTrack: my checkpoints and due dates"))
        for checkpoint in checkpoints:
            calendar.add_component(
                checkpoint_event(checkpoint, invitation=False, stamp=checkpoint.changed_at)
            )
        for task in tasks:
            calendar.add_component(_due_event(task))
    return calendar.to_ical()
