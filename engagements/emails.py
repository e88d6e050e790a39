"""The emails the portal sends, each in its recipient's language and time zone."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from responsibilities.models import Party

from .calendar import checkpoint_ics
from .dashboards import DUE_SOON_DAYS
from .links import portal_link
from .models import Checkpoint, Membership, Notification, NotificationKind, Profile, Task


def recipient_preferences(user) -> tuple[str, zoneinfo.ZoneInfo]:
    """The user's language and time zone, or the portal's when they have chosen none."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return settings.LANGUAGE_CODE, zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return profile.language, zoneinfo.ZoneInfo(profile.time_zone)


@dataclass
class CheckpointAgenda:
    """The engagement as it stands when the reminder is sent."""

    open_by_party: list[tuple[str, list[Task]]]
    overdue: list[Task]
    done_since: list[Task]
    since: datetime.datetime


def checkpoint_agenda(checkpoint: Checkpoint, now: datetime.datetime) -> CheckpointAgenda:
    tasks = Task.objects.filter(engagement_id=checkpoint.engagement_id).order_by("position")
    open_in_phase = list(tasks.filter(phase_id=checkpoint.phase_id, done=False))
    previous = (
        Checkpoint.objects.filter(
            engagement_id=checkpoint.engagement_id,
            cancelled_at__isnull=True,
            starts_at__lt=checkpoint.starts_at,
        )
        .order_by("-starts_at")
        .first()
    )
    since = previous.starts_at if previous else checkpoint.engagement.created_at
    return CheckpointAgenda(
        open_by_party=[
            (Party(code).label, [t for t in open_in_phase if t.party == code])
            for code in Party.values
        ],
        overdue=list(tasks.filter(done=False, due_date__lt=timezone.localdate(now))),
        done_since=list(tasks.filter(done=True, done_at__gte=since).order_by("done_at")),
        since=since,
    )


def _digest_engagements(user, today):
    """(engagement, overdue tasks, tasks due soon, its link) for each of the user's."""
    memberships = Membership.objects.filter(user=user).select_related("engagement")
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    tasks = (
        Task.objects.filter(engagement__memberships__user=user, done=False, due_date__lte=horizon)
        .select_related("engagement")
        .order_by("due_date", "position")
    )
    by_engagement = {
        m.engagement_id: (m.engagement, [], [], portal_link("engagement-detail", m.engagement_id))
        for m in memberships
    }
    for task in tasks:
        _, overdue, soon, _url = by_engagement[task.engagement_id]
        (overdue if task.due_date < today else soon).append(task)
    return [entry for entry in by_engagement.values() if entry[1] or entry[2]]


def _compose(notification: Notification, now: datetime.datetime):
    """(subject, context, attachment or None), or None when there is nothing to say."""
    kind, checkpoint, task = notification.kind, notification.checkpoint, notification.task
    if kind == NotificationKind.CHECKPOINT_REMINDER:
        subject = _("Reminder: %(title)s, %(when)s") % {
            "title": checkpoint.title,
            "when": timezone.localtime(checkpoint.starts_at).strftime("%Y-%m-%d %H:%M"),
        }
        context = {"agenda": checkpoint_agenda(checkpoint, now)}
        return subject, context, checkpoint_ics(checkpoint)
    if kind == NotificationKind.CHECKPOINT_CANCELLED:
        subject = _("Cancelled: %(title)s") % {"title": checkpoint.title}
        return subject, {}, checkpoint_ics(checkpoint)
    if kind == NotificationKind.TASK_DUE_TOMORROW:
        return _("Due tomorrow: %(task)s") % {"task": task.text[:80]}, {}, None
    if kind == NotificationKind.TASK_OVERDUE:
        return _("Overdue: %(task)s") % {"task": task.text[:80]}, {}, None
    if kind == NotificationKind.INVITATION:
        user = notification.recipient
        context = {}
        if not user.has_usable_password():
            context["set_password_url"] = portal_link(
                "password_reset_confirm",
                urlsafe_base64_encode(force_bytes(user.pk)),
                default_token_generator.make_token(user),
            )
        subject = _("You have been added to %(customer)s's FastTrack onboarding") % {
            "customer": notification.engagement.customer
        }
        return subject, context, None
    engagements = _digest_engagements(notification.recipient, timezone.localdate(now))
    if not engagements:
        return None
    return _("Your FastTrack digest"), {"engagements": engagements}, None


def notification_message(notification: Notification, now: datetime.datetime):
    """The email for a notification, or None when there is nothing to say (an empty digest)."""
    language, zone = recipient_preferences(notification.recipient)
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
                "time_zone": zone.key,
            }
        )
        template = f"emails/{notification.kind}"
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", context),
            to=[notification.recipient.email],
            headers={"X-FastTrack-Notification": notification.key},
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        if attachment:
            message.attach("checkpoint.ics", attachment, "text/calendar; charset=utf-8")
    return message
