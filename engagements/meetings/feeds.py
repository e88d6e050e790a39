"""A person's private calendar feed: the checkpoints of the engagements they are a member of,
and the due dates of the open tasks they own, as one iCalendar file that calendar programs
subscribe to and fetch again now and then.

Each event keeps a stable UID, so a fetch replaces it instead of adding one: a checkpoint's is
the one its emails' .ics carry (engagements/meetings/calendar.py), with its SEQUENCE and, once
cancelled, STATUS:CANCELLED; a due date's is the task's, its SEQUENCE the number of times the
date changed. Whatever leaves the feed (a task done or given to someone else, an engagement the
person left) leaves their calendar at the next fetch. Each DTSTAMP is the event's last change,
so an unchanged feed reads the same byte for byte and its ETag holds.

Only what a calendar needs: checkpoints from FEED_PAST back on (an older one is already in
the calendar, which keeps what a feed drops), and the open tasks' due dates. The rows are read
once (two queries, each over what the feed lists and no more), the ETag and Last-Modified
come from them before anything is rendered, and the body is rendered and sent event by
event, so a 304 renders nothing and a long feed is never held whole in memory.
"""

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.http import quote_etag
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


# How far back checkpoints stay in the feed: enough for a calendar that was offline for a
# while to learn of a past meeting's cancellation or its last change.
FEED_PAST = datetime.timedelta(weeks=8)


@dataclass
class Feed:
    """A person's feed, read: its validators, and its body rendered as it is iterated."""

    etag: str
    last_modified: datetime.datetime | None
    checkpoints: list
    tasks: list
    language: str

    def __iter__(self) -> Iterator[bytes]:
        calendar = Calendar()
        calendar.add("prodid", PRODUCT_ID)
        calendar.add("version", "2.0")
        with translation.override(self.language):
            calendar.add("x-wr-calname", _("FastTrack: my checkpoints and due dates"))
            head, end = calendar.to_ical().split(b"END:VCALENDAR", 1)
            yield head
            for checkpoint in self.checkpoints:
                event = checkpoint_event(checkpoint, invitation=False, stamp=checkpoint.changed_at)
                yield event.to_ical()
            for task in self.tasks:
                yield _due_event(task).to_ical()
        yield b"END:VCALENDAR" + end


def user_feed(user, *, language: str, now: datetime.datetime) -> Feed:
    """The user's feed in their language (two queries, however many engagements and events)."""
    checkpoints = list(
        Checkpoint.objects.filter(
            engagement__memberships__user=user, starts_at__gte=now - FEED_PAST
        )
        .select_related("engagement")
        .annotate(changed_at=Coalesce(Max("events__created_at"), "created_at"))
        .order_by("starts_at", "pk")
    )
    tasks = list(
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
            # Any change to the task (its wording by a catalogue apply too) changes its event.
            changed_at=Coalesce(Max("events__created_at"), "engagement__created_at"),
        )
        .order_by("due_date", "position")
    )
    # What each event shows that can change, hashed: its identity, its last change, and what
    # is not an event of its own (the customer's name, the text, the time).
    shown = [language, portal_host()]
    for checkpoint in checkpoints:
        shown.append(
            f"c{checkpoint.pk}:{checkpoint.sequence}:{checkpoint.changed_at.isoformat()}:"
            f"{checkpoint.engagement.customer}"
        )
    for task in tasks:
        shown.append(
            f"t{task.pk}:{task.due_date}:{task.changed_at.isoformat()}:"
            f"{task.engagement.customer}:{task.text_pt}:{task.text_en}"
        )
    stamps = [c.changed_at for c in checkpoints] + [t.changed_at for t in tasks]
    return Feed(
        etag=quote_etag(hashlib.sha256("\n".join(shown).encode()).hexdigest()),
        last_modified=max(stamps, default=None),
        checkpoints=checkpoints,
        tasks=tasks,
        language=language,
    )
