"""The demo's back-dated history: what it owed in its past is not owed now."""

from django.db.models import Q

from notifications.models import Notification, NotificationStatus


def past_notes_drop(*, engagement_ids, now) -> int:
    """Drop the notes a back-dated history owed before `now` (the demo's, whose events are
    dated weeks back): the engagements' pending rows already due. Those still ahead, such as a
    coming checkpoint's reminders, stay owed. Returns how many were dropped."""
    return Notification.objects.filter(
        Q(engagement_id__in=engagement_ids)
        | Q(task__engagement_id__in=engagement_ids)
        | Q(checkpoint__engagement_id__in=engagement_ids),
        status=NotificationStatus.PENDING,
        due_at__lte=now,
    ).update(status=NotificationStatus.DROPPED, last_error="owed by the demo's back-dated past")
