"""Checkpoints as iCalendar (RFC 5545) events that calendars update in place."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from engagements.links import portal_link

PRODUCT_ID = "-//FastTrack Portal//Checkpoints//EN"

# A calendar must pick up a change to any of these (they are in the .ics): RFC 5545 wants
# SEQUENCE raised, and the attendees get the new file at once. Phase and kind are the portal's.
CALENDAR_FIELDS = frozenset(("title", "starts_at", "ends_at", "location", "agenda", "attendees"))


def checkpoint_uid(checkpoint) -> str:
    """Stable across every change, so a calendar replaces the event instead of adding one."""
    return uid_for(checkpoint.uid)


def uid_for(uid) -> str:
    """The UID of the checkpoint whose `uid` field this is (the calendar feed reads only that)."""
    return f"{uid}@fasttrack-portal"


def checkpoint_event(checkpoint) -> Event:
    """The meeting as a VEVENT of an invitation (an email's .ics), stamped when it is made; it
    names the organizer and attendees. The calendar feed writes its own events, without them
    so calendars do not ask for replies (engagements/meetings/feeds.py)."""
    event = Event()
    event.add("uid", checkpoint_uid(checkpoint))
    event.add("sequence", checkpoint.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", checkpoint.starts_at)
    event.add("dtend", checkpoint.ends_at)
    event.add("summary", f"{checkpoint.engagement.customer}: {checkpoint.title}")
    event.add("status", "CANCELLED" if checkpoint.is_cancelled else "CONFIRMED")
    if checkpoint.location:
        event.add("location", checkpoint.location)
    description = checkpoint.agenda
    link = portal_link("engagement-detail", checkpoint.engagement_id)
    event.add("description", f"{description}\n\n{link}".strip())
    event.add("url", link)
    _add_people(event, checkpoint)
    return event


def _add_people(event: Event, checkpoint) -> None:
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL_ADDRESS}")
    organizer.params["cn"] = vText("FastTrack Portal")
    event.add("organizer", organizer)
    for user in checkpoint.attendees.all():
        if user.email:
            attendee = vCalAddress(f"mailto:{user.email}")
            attendee.params["cn"] = vText(user.get_full_name() or user.username)
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)


def checkpoint_method(checkpoint) -> str:
    """The iTIP method (RFC 5546) that a checkpoint's invitation carries: a REQUEST for a
    scheduled one, a CANCEL for a cancelled one. The calendar and its email's content type must
    agree on it, or mail clients refuse the invitation."""
    return "CANCEL" if checkpoint.is_cancelled else "REQUEST"


def checkpoint_ics(checkpoint) -> bytes:
    """The checkpoint's invitation: its event under the method that fits it."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", checkpoint_method(checkpoint))
    calendar.add_component(checkpoint_event(checkpoint))
    return calendar.to_ical()
