"""The beat's daily scans of what is owed: a note the day before a task is due and the day
after, and each person's digest at 08:00 their time (notifications/owing.py owes the rest as it
happens). Each writes the rows it decides are owed; keys make a second scan harmless.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts.models import Profile
from engagements.models import Membership, Role, Task
from notifications import keys
from notifications.models import Delivery, Notification, NotificationKind, NotificationStatus
from notifications.preferences import deliveries_of


def _profiles(user_ids) -> dict:
    """The profiles of these users that exist, by user id."""
    profiles = Profile.objects.filter(user_id__in=user_ids).only("user_id", "time_zone")
    return {profile.user_id: profile for profile in profiles}


def _zone(profiles, user_id) -> zoneinfo.ZoneInfo:
    profile = profiles.get(user_id)
    return zoneinfo.ZoneInfo(profile.time_zone if profile else settings.TIME_ZONE)


def _local_now(profiles, user_id, now):
    return now.astimezone(_zone(profiles, user_id))


def queue_task_due_notes(*, now: datetime.datetime) -> None:
    """Owe a note the day before a task is due and the day after: to its owner when it has an
    active one, to its party's managers otherwise.

    Due from 08:00 in each recipient's time zone on that day; keys make a second scan harmless.
    """
    portal_today = timezone.localdate(now)
    # Time zones run about a day either side of the portal's.
    window = [portal_today + datetime.timedelta(days=d) for d in (-2, -1, 0, 1, 2)]
    tasks = list(
        Task.objects.open()
        .filter(due_date__in=window)
        .select_related("owner")
        .only("pk", "engagement_id", "party", "due_date", "owner__id", "owner__is_active")
    )
    if not tasks:
        return
    managers = Membership.objects.filter(
        engagement_id__in={t.engagement_id for t in tasks}, role=Role.MANAGER, user__is_active=True
    ).values_list("engagement_id", "party", "user_id")
    managers_of = {}
    for engagement_id, party, user_id in managers:
        managers_of.setdefault((engagement_id, party), []).append(user_id)

    def recipients(task) -> list[int]:
        if task.owner is not None and task.owner.is_active:
            return [task.owner_id]
        return managers_of.get((task.engagement_id, task.party), [])

    user_ids = {user_id for task in tasks for user_id in recipients(task)}
    profiles = _profiles(user_ids)
    deliveries = deliveries_of(
        user_ids, [NotificationKind.TASK_DUE_TOMORROW, NotificationKind.TASK_OVERDUE]
    )
    owed = []
    for task in tasks:
        for user_id in recipients(task):
            local = _local_now(profiles, user_id, now)
            if local.hour < settings.DIGEST_HOUR:
                continue
            if local.date() == task.due_date - datetime.timedelta(days=1):
                kind, key = NotificationKind.TASK_DUE_TOMORROW, keys.task_due_tomorrow_key
            elif local.date() == task.due_date + datetime.timedelta(days=1):
                kind, key = NotificationKind.TASK_OVERDUE, keys.task_overdue_key
            else:
                continue
            if deliveries.get((user_id, kind)) == Delivery.NEVER:
                continue
            owed.append(
                Notification(
                    key=key(task_id=task.pk, due_date=task.due_date, user_id=user_id),
                    kind=kind,
                    recipient_id=user_id,
                    task=task,
                    due_at=now,
                )
            )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)


def _digest_date(key: str) -> datetime.date:
    return datetime.date.fromisoformat(key.rsplit(":", 1)[1])


def _eight_local(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(settings.DIGEST_HOUR), tzinfo=zone)


def queue_digests(*, now: datetime.datetime) -> None:
    """Owe each member who wants one a digest for each local calendar day, due at 08:00 their
    time on that day.

    Each member keeps one waiting digest, for the first 08:00 still ahead of them (or at this
    very moment) on a local date later than their last digest's: someone who joins at 20:00
    hears at 08:00 the next day, a clock change moves nothing (08:00 is worked out for each
    date), and someone who moves from Tokyo to Los Angeles after 08:00 reaches a local date
    whose digest they had already, so the next is the day after. A waiting digest not yet
    due follows its recipient's time zone; one already due is left for the send.
    """
    members = set(Membership.objects.filter(user__is_active=True).values_list("user_id", flat=True))
    profiles = _profiles(members)
    turned_off = deliveries_of(members, [NotificationKind.DIGEST])
    eligible = {
        user_id
        for user_id in members
        if turned_off.get((user_id, NotificationKind.DIGEST)) != Delivery.NEVER
    }
    digests = Notification.objects.filter(kind=NotificationKind.DIGEST, recipient_id__in=eligible)
    waiting = {
        row.recipient_id: row
        for row in digests.filter(status=NotificationStatus.PENDING).only(
            "pk", "key", "recipient_id", "due_at"
        )
    }
    # Keys end in the ISO date, so the greatest key of a user is their latest digest. Only one
    # due in the last two days can be for a local date as late as the one worked out below
    # (time zones are at most about a day apart), so older ones are left unread: there is one
    # per member per day, kept for ever.
    recent = digests.filter(due_at__gte=now - datetime.timedelta(days=2))
    last_dates = {
        user_id: _digest_date(key)
        for user_id, key in recent.exclude(status=NotificationStatus.PENDING)
        .values("recipient_id")
        .annotate(last=Max("key"))
        .values_list("recipient_id", "last")
    }
    owed = []
    for user_id in eligible:
        row = waiting.get(user_id)
        if row is not None and row.due_at <= now:
            continue
        zone = _zone(profiles, user_id)
        local = now.astimezone(zone)
        day = local.date()
        if local > _eight_local(day, zone):
            day += datetime.timedelta(days=1)
        if user_id in last_dates:
            day = max(day, last_dates[user_id] + datetime.timedelta(days=1))
        key, due_at = keys.digest_key(user_id=user_id, local_date=day), _eight_local(day, zone)
        if row is None:
            owed.append(
                Notification(
                    key=key,
                    kind=NotificationKind.DIGEST,
                    recipient_id=user_id,
                    due_at=due_at,
                    created_at=now,
                )
            )
        elif (row.key, row.due_at) != (key, due_at):
            # Its recipient changed time zone since it was owed.
            Notification.objects.filter(pk=row.pk, status=NotificationStatus.PENDING).update(
                key=key, due_at=due_at
            )
    Notification.objects.bulk_create(owed, ignore_conflicts=True)
