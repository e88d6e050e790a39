"""The emails the portal sends, each in its recipient's language and time zone."""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import entra
from accounts.selectors import user_preferences
from engagements.gates.selectors import phase_tasks_with_evidence
from engagements.links import portal_host, portal_link
from engagements.meetings.calendar import checkpoint_ics, checkpoint_method
from engagements.meetings.records import status_report_file_name
from engagements.meetings.selectors import checkpoint_agenda
from engagements.models import Membership
from engagements.mywork.selectors import my_work
from engagements.selectors.tasks import user_due_tasks
from engagements.services.invitations import invitation_token
from fasttrack.bounds import one_line
from fasttrack.formatting import format_datetime
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.preferences import RULES
from notifications.unsubscribe import unsubscribe_url
from responsibilities.models import Party, Phase, party_by, party_for

_CALENDAR_KINDS = {
    NotificationKind.CHECKPOINT_REMINDER,
    NotificationKind.CHECKPOINT_UPDATED,
    NotificationKind.CHECKPOINT_CANCELLED,
}


def _calendar_part(checkpoint) -> tuple[str, str]:
    """The meeting as an iTIP message (RFC 6047): an inline alternative whose method matches
    the calendar's, which mail clients show as an invitation that adds, updates or removes
    the event rather than as a file. Django appends the charset to a text subtype, so this
    reads `text/calendar; method=REQUEST; charset="utf-8"`."""
    content_type = f"text/calendar; method={checkpoint_method(checkpoint)}"
    return checkpoint_ics(checkpoint).decode(), content_type


def notification_message_id(key: str) -> str:
    """The same Message-ID for every send of one notification, so a mail client shows a
    resend that the mail server accepted twice once. Keyed with the secret, so two portals
    (or one whose database was reset) never give two emails one id."""
    digest = salted_hmac("notification-message-id", key).hexdigest()[:32]
    return f"<{digest}@{portal_host()}>"


def _report_file(notification: Notification) -> tuple[str, bytes, str]:
    """The stored report, as filed: the bytes whose SHA-256 the audit trail keeps."""
    with notification.report.file.open("rb") as stored:
        content = stored.read()
    day = timezone.localdate(notification.report.as_of)
    name = status_report_file_name(notification.checkpoint.engagement.customer, day)
    return name, content, "application/pdf"


def _compose(notification: Notification, now: datetime.datetime):
    """(subject, context, attachment (name, bytes, type) or None), or None when there is
    nothing to say.

    Stored values go into subjects through one_line: a line break in a header makes Django
    refuse the whole message, and values from before the input bounds may hold one."""
    kind, checkpoint, task = notification.kind, notification.checkpoint, notification.task
    if kind == NotificationKind.CHECKPOINT_REMINDER:
        subject = _("Reminder: %(title)s, %(when)s") % {
            "title": one_line(checkpoint.title),
            "when": format_datetime(checkpoint.starts_at),
        }
        return subject, {"agenda": checkpoint_agenda(checkpoint, now)}, None
    if kind == NotificationKind.CHECKPOINT_UPDATED:
        subject = _("Updated: %(title)s, %(when)s") % {
            "title": one_line(checkpoint.title),
            "when": format_datetime(checkpoint.starts_at),
        }
        return subject, {}, None
    if kind == NotificationKind.CHECKPOINT_CANCELLED:
        return _("Cancelled: %(title)s") % {"title": one_line(checkpoint.title)}, {}, None
    if kind == NotificationKind.CHECKPOINT_REPORT:
        subject = _("Status report after “%(title)s”") % {"title": one_line(checkpoint.title)}
        return subject, {"report": notification.report}, _report_file(notification)
    if kind == NotificationKind.TASK_DUE_TOMORROW:
        return _("Due tomorrow: %(task)s") % {"task": one_line(task.text[:80])}, {}, None
    if kind == NotificationKind.TASK_ASSIGNED:
        return _("Assigned to you: %(task)s") % {"task": one_line(task.text[:80])}, {}, None
    if kind == NotificationKind.TASK_OVERDUE:
        return _("Overdue: %(task)s") % {"task": one_line(task.text[:80])}, {}, None
    if kind in (
        NotificationKind.GATE_SIGNED,
        NotificationKind.GATE_REOPENED,
        NotificationKind.GATE_READY,
    ):
        return _gate_note(notification)
    if kind in (NotificationKind.TENANT_REVOKED, NotificationKind.TENANT_DRIFT):
        return _tenant_note(notification)
    if kind == NotificationKind.MENTION:
        return _mention_note(notification)
    if kind == NotificationKind.INVITATION:
        user = notification.recipient
        context = {}
        if entra.enabled():
            membership = Membership.objects.get(engagement=notification.engagement, user=user)
            context["invitation_url"] = portal_link("invitation", invitation_token(membership))
        if settings.PASSWORD_LOGIN and not user.has_usable_password():
            context["set_password_url"] = portal_link(
                "password_reset_confirm",
                urlsafe_base64_encode(force_bytes(user.pk)),
                default_token_generator.make_token(user),
            )
        subject = _("You have been added to %(customer)s's FastTrack onboarding") % {
            "customer": one_line(notification.engagement.customer)
        }
        return subject, context, None
    return _digest(notification.recipient, now)


def _digest(recipient, now):
    """My work's sections, the notifications held for the digest, then what is due in the
    recipient's engagements; nothing to say when none holds anything but tasks due after this
    week."""
    today = timezone.localdate(now)
    work = my_work(recipient, today)
    entries = user_due_tasks(recipient, today)
    held = _held(recipient, now)
    if not (work.waiting or entries or held["held_ids"]):
        return None
    engagements = [
        (e.engagement, e.overdue, e.due_soon, portal_link("engagement-detail", e.engagement.pk))
        for e in entries
    ]
    context = {
        "work": work,
        # A digest goes out once a day: the mentions of the day before it, which My work keeps
        # for a week (they alone send no digest: each was told as it happened).
        "mentions": [c for c in work.mentions if c.created_at > now - datetime.timedelta(days=1)],
        "my_work_url": portal_link("my-work"),
        "engagements": engagements,
        **held,
    }
    return _("Your FastTrack digest"), context, None


# A digest lists at most this many of the notifications it carries (the rest are counted), so
# someone back from a month away gets a readable email at a bounded cost.
HELD_SHOWN = 20


def _held_link(row: Notification) -> str:
    engagement_id = row.engagement_id or (row.task and row.task.engagement_id)
    if row.kind == NotificationKind.MENTION:
        return (
            portal_link("engagement-detail", engagement_id)
            + f"#comment-{row.event.changes['comment']}"
        )
    if row.task_id:
        return portal_link("engagement-detail", engagement_id) + f"#task-{row.task_id}"
    if row.checkpoint_id:
        return portal_link("checkpoint-detail", row.checkpoint.engagement_id, row.checkpoint_id)
    return portal_link("engagement-detail", engagement_id)


def _held(recipient, now) -> dict:
    """The notifications held for this person's digest (they chose "in the daily digest" for
    their kind): each told in a line, its subject, with its link."""
    held = Notification.objects.filter(recipient=recipient, status=NotificationStatus.HELD)
    ids = list(held.order_by("pk").values_list("pk", flat=True))
    shown = held.select_related(
        "engagement", "event__task", "task__engagement", "checkpoint__engagement", "report"
    ).order_by("pk")[:HELD_SHOWN]
    return {
        "held": [(_compose(row, now)[0], _held_link(row)) for row in shown],
        "held_more": max(len(ids) - HELD_SHOWN, 0),
        "held_ids": ids,
    }


def _tenant_note(notification: Notification):
    event = notification.event
    customer = one_line(notification.engagement.customer)
    context = {"event": event, "tenant_url": portal_link("engagement-tenant", event.engagement_id)}
    if notification.kind == NotificationKind.TENANT_REVOKED:
        return (
            _("%(customer)s: the tenant no longer lets the portal read it")
            % {"customer": customer},
            context,
            None,
        )
    language = "en" if translation.get_language().startswith("en") else "pt"
    context["check_title"] = event.changes["title"][language]
    return (
        _("%(customer)s: the tenant no longer confirms a done task") % {"customer": customer},
        context,
        None,
    )


def _mention_note(notification: Notification):
    """Who named the recipient, on which task, in what words, with a link to the comment."""
    event = notification.event
    task = event.task
    subject = _("%(who)s mentioned you: %(task)s") % {
        "who": one_line(event.actor_name),
        "task": one_line(task.text[:80]),
    }
    context = {
        "event": event,
        "mentioned_task": task,
        "body": event.changes["body"],
        "comment_url": portal_link("engagement-detail", event.engagement_id)
        + f"#comment-{event.changes['comment']}",
    }
    return subject, context, None


def _gate_note(notification: Notification):
    """A finished phase, a sign-off or a reopening, told from its audit event: who, which phase,
    their words; a phase waiting on a sign-off with its tasks and their evidence."""
    event = notification.event
    phase = event.task.phase if event.task_id else Phase.objects.get(code=event.changes["phase"])
    context = {
        "event": event,
        "phase": phase,
        "actor_party": Party(event.party).label if event.party else "",
        "signed_for": party_for(event.changes["party"]) if "party" in event.changes else "",
        "comment": event.changes.get("comment", ""),
    }
    values = {"customer": one_line(notification.engagement.customer), "phase": phase.name}
    if notification.kind != NotificationKind.GATE_REOPENED:
        context["phase_tasks"] = phase_tasks_with_evidence(notification.engagement, phase)
    if notification.kind == NotificationKind.GATE_READY:
        subject = _("%(customer)s: every task of %(phase)s is done and awaits your sign-off") % (
            values
        )
    elif notification.kind == NotificationKind.GATE_SIGNED:
        subject = _("%(customer)s: %(phase)s is signed off %(by_party)s and awaits yours") % {
            **values,
            "by_party": party_by(event.changes["party"]),
        }
    else:
        subject = _("%(customer)s: %(phase)s was reopened") % values
    return subject, context, None


def notification_message(notification: Notification, now: datetime.datetime):
    """The email for a notification, or None when there is nothing to say (an empty digest)."""
    language, zone = user_preferences(notification.recipient)
    with translation.override(language), timezone.override(zone):
        composed = _compose(notification, now)
        if composed is None:
            return None
        subject, context, attachment = composed
        checkpoint, task = notification.checkpoint, notification.task
        engagement = notification.engagement or (
            (checkpoint or task).engagement if (checkpoint or task) else None
        )
        context.update(
            {
                "notification": notification,
                "recipient": notification.recipient,
                "checkpoint": checkpoint,
                "task": task,
                "engagement": engagement,
                "engagement_url": portal_link("engagement-detail", engagement.pk)
                if engagement
                else settings.PORTAL_URL + "/",
                "portal_url": settings.PORTAL_URL,
                "profile_url": portal_link("profile"),
                "preferences_url": portal_link("notification-preferences"),
                "time_zone": zone.key,
            }
        )
        template = f"emails/{notification.kind}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", context),
            to=[notification.recipient.email],
            headers=_headers(notification),
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        if notification.kind in _CALENDAR_KINDS:
            message.attach_alternative(*_calendar_part(checkpoint))
        if attachment:
            message.attach(*attachment)
        # What the digest carried, to be marked so once it is sent.
        message.held_ids = context.get("held_ids", [])
    return message


def _headers(notification: Notification) -> dict:
    headers = {
        "X-FastTrack-Notification": notification.key,
        "Message-ID": notification_message_id(notification.key),
        # No out-of-office or other automatic replies to a machine (RFC 3834).
        "Auto-Submitted": "auto-generated",
    }
    if not RULES[notification.kind].required:
        # One click in the mail client turns this kind of email off (RFC 8058).
        address = unsubscribe_url(notification.recipient, notification.kind)
        headers["List-Unsubscribe"] = f"<{address}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
