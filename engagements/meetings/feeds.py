"""A person's private calendar feed: the checkpoints of the engagements they are a member of,
and the due dates of the open tasks they own, as one iCalendar file that calendar programs
subscribe to and fetch again now and then.

Each event keeps a stable UID, so a fetch replaces it instead of adding one: a checkpoint's is
the one its emails' .ics carry (engagements/meetings/calendar.py), with its SEQUENCE and, once
cancelled, STATUS:CANCELLED; a due date's is the task's, its SEQUENCE the number of times the
date changed. Whatever leaves the feed (a task done or given to someone else, an engagement the
person left) leaves their calendar at the next fetch. Each DTSTAMP is the event's last change,
so an unchanged feed reads the same byte for byte and its ETag holds.

Only what a calendar needs, and a bounded amount of it, so a fetch costs the same however
many engagements the person is on: the checkpoints to come (the FEED_UPCOMING soonest), those
since FEED_PAST (the FEED_RECENT latest: a calendar drops an older meeting with the rest of
what the feed no longer lists), and the open tasks' due dates, however overdue (the
FEED_DUE_DATES earliest: what is most overdue comes first). The rows are read
once (three queries, each over what the feed lists and no more: the limits are the
database's, so it stops at them), the ETag and Last-Modified come from them before anything
is rendered, and the body is written event by event (engagements/meetings/feed_ical.py), so a
304 renders nothing and a long feed is never held whole in memory.
"""

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.http import quote_etag
from django.utils.translation import gettext as _

from engagements.links import portal_host, portal_link
from engagements.meetings import feed_ical
from engagements.meetings.calendar import PRODUCT_ID, uid_for
from engagements.models import ActivityEvent, Checkpoint, EventKind, Task
from fasttrack.bounds import one_line
from responsibilities.models.items import in_active_language

# How far back past checkpoints stay in the feed: enough for a calendar that was
# offline for a while to learn of a past meeting's cancellation or its last change.
FEED_PAST = datetime.timedelta(weeks=8)
# At most this many of each, far more than a person's weeks hold on the engagements they work
# on; someone on thousands (a director, an admin) gets the nearest ones.
FEED_UPCOMING = 500
FEED_RECENT = 250
FEED_DUE_DATES = 500

# An engagement number no engagement has, nor any portal address holds.
_STAND_IN = 987654321987654321

CHECKPOINT_FIELDS = (
    "pk",
    "uid",
    "sequence",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "agenda",
    "cancelled_at",
    "engagement_id",
    "customer",
)
TASK_FIELDS = ("pk", "due_date", "text_pt", "text_en", "engagement_id", "customer")


def task_due_uid(task) -> str:
    return _due_uid(task.pk, portal_host())


def _due_uid(pk: int, host: str) -> str:
    return f"task-{pk}-due@{host}"


def feed_checkpoints(user, now: datetime.datetime):
    """The checkpoints the feed lists, as two querysets: those to come, the soonest first, and
    those since FEED_PAST, the latest first; each bounded."""
    mine = Checkpoint.objects.filter(engagement__memberships__user=user).annotate(
        customer=F("engagement__customer")
    )
    upcoming = mine.filter(starts_at__gte=now).order_by("starts_at", "pk")[:FEED_UPCOMING]
    recent = mine.filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now).order_by(
        "-starts_at", "-pk"
    )[:FEED_RECENT]
    return upcoming, recent


def feed_tasks(user):
    """The open tasks the user owns that the feed lists: the earliest due first, however
    overdue (open work stays in the calendar until it is done), bounded."""
    return (
        Task.objects.open()
        .filter(engagement__memberships__user=user, owner=user, due_date__isnull=False)
        .annotate(customer=F("engagement__customer"))
        .order_by("due_date", "position", "pk")[:FEED_DUE_DATES]
    )


def _last(events):
    """The latest event's moment, as a subquery per row listed (the database evaluates it
    after the limit, so only for what the feed shows)."""
    return Subquery(events.order_by("-created_at").values("created_at")[:1])


def _checkpoint_event(row, links: dict) -> bytes:
    link = links[row["engagement_id"]]
    description = f"{row['agenda']}\n\n{link}".strip()
    properties = [
        ("UID", feed_ical.text(uid_for(row["uid"]))),
        ("SEQUENCE", str(row["sequence"])),
        ("DTSTAMP", feed_ical.utc(row["changed_at"])),
        ("DTSTART", feed_ical.utc(row["starts_at"])),
        ("DTEND", feed_ical.utc(row["ends_at"])),
        ("SUMMARY", feed_ical.text(f"{row['customer']}: {row['title']}")),
        ("STATUS", "CANCELLED" if row["cancelled_at"] else "CONFIRMED"),
        ("DESCRIPTION", feed_ical.text(description)),
        ("URL", link),
    ]
    if row["location"]:
        properties.append(("LOCATION", feed_ical.text(row["location"])))
    return feed_ical.component("VEVENT", properties)


def _due_event(row, links: dict, due: str, host: str) -> bytes:
    """The task's due date as an all-day event."""
    text = in_active_language(row["text_pt"], row["text_en"])
    link = links[row["engagement_id"]] + f"#task-{row['pk']}"
    summary = f"{one_line(row['customer'])}: {due % {'task': one_line(text)}}"
    return feed_ical.component(
        "VEVENT",
        [
            ("UID", feed_ical.text(_due_uid(row["pk"], host))),
            ("SEQUENCE", str(row["due_date_changes"])),
            ("DTSTAMP", feed_ical.utc(row["due_date_changed_at"])),
            ("DTSTART;VALUE=DATE", feed_ical.day(row["due_date"])),
            ("DTEND;VALUE=DATE", feed_ical.day(row["due_date"] + datetime.timedelta(days=1))),
            # A deadline, not a meeting: it leaves the day free.
            ("TRANSP", "TRANSPARENT"),
            ("SUMMARY", feed_ical.text(summary)),
            ("DESCRIPTION", feed_ical.text(f"{text}\n\n{link}")),
            ("URL", link),
        ],
    )


@dataclass
class Feed:
    """A person's feed, read: its validators, and its body rendered as it is iterated."""

    etag: str
    last_modified: datetime.datetime | None
    checkpoints: list
    tasks: list
    language: str

    def __iter__(self) -> Iterator[bytes]:
        # The engagement page's address reversed once, each engagement's number put in the
        # place of a stand-in's (reversing for each of hundreds of engagements took a fifth
        # of a long feed's time).
        address = portal_link("engagement-detail", _STAND_IN)
        links = {
            pk: address.replace(str(_STAND_IN), str(pk))
            for pk in {row["engagement_id"] for row in self.checkpoints + self.tasks}
        }
        host = portal_host()
        with translation.override(self.language):
            calendar_name = _("FastTrack: my checkpoints and due dates")
            yield feed_ical.component(
                "VCALENDAR",
                [
                    ("PRODID", feed_ical.text(PRODUCT_ID)),
                    ("VERSION", "2.0"),
                    ("X-WR-CALNAME", feed_ical.text(calendar_name)),
                ],
                end=False,
            )
            for row in self.checkpoints:
                yield _checkpoint_event(row, links)
            due = _("Due: %(task)s")
            for row in self.tasks:
                yield _due_event(row, links, due, host)
        yield b"END:VCALENDAR\r\n"


def user_feed(user, *, language: str, now: datetime.datetime) -> Feed:
    """The user's feed in their language (three queries, however many engagements and
    events)."""
    upcoming, recent = feed_checkpoints(user, now)
    checkpoint_events = ActivityEvent.objects.filter(checkpoint=OuterRef("pk"))
    with_change = {"changed_at": Coalesce(_last(checkpoint_events), "created_at")}
    # Two reads, not a UNION of the two: SQLite takes no LIMIT inside one. In time order.
    fields = (*CHECKPOINT_FIELDS, "changed_at")
    checkpoints = list(recent.annotate(**with_change).values(*fields))[::-1] + list(
        upcoming.annotate(**with_change).values(*fields)
    )
    task_events = ActivityEvent.objects.filter(task=OuterRef("pk"))
    due_date_events = task_events.filter(kind=EventKind.DUE_DATE_CHANGED)
    tasks = list(
        feed_tasks(user)
        .annotate(
            due_date_changes=Coalesce(
                Subquery(
                    due_date_events.order_by().values("task").annotate(n=Count("pk")).values("n")
                ),
                0,
            ),
            # A due date set without an event (by an import) counts from the engagement's start.
            due_date_changed_at=Coalesce(_last(due_date_events), "engagement__created_at"),
            # Any change to the task (its wording by a catalogue apply too) changes its event.
            changed_at=Coalesce(_last(task_events), "engagement__created_at"),
        )
        .values(*TASK_FIELDS, "due_date_changes", "due_date_changed_at", "changed_at")
    )
    # What each event shows that can change, hashed: its identity, its last change, and what
    # is not an event of its own (the customer's name, the text, the time).
    shown = [language, portal_host()]
    for row in checkpoints:
        shown.append(
            f"c{row['pk']}:{row['sequence']}:{row['changed_at'].isoformat()}:{row['customer']}"
        )
    for row in tasks:
        shown.append(
            f"t{row['pk']}:{row['due_date']}:{row['changed_at'].isoformat()}:"
            f"{row['customer']}:{row['text_pt']}:{row['text_en']}"
        )
    stamps = [row["changed_at"] for row in checkpoints + tasks]
    return Feed(
        etag=quote_etag(hashlib.sha256("\n".join(shown).encode()).hexdigest()),
        last_modified=max(stamps, default=None),
        checkpoints=checkpoints,
        tasks=tasks,
        language=language,
    )
