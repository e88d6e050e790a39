"""Which profile switch turns off which kind of email, for every place that must agree: the
one-click unsubscribe in the email, the scans that owe it and the send that withdraws one owed
before the switch was turned off. The other kinds are about a person's own meetings, tasks and
sign-offs, which they cannot decline and stay a member."""

from accounts.unsubscribe import Topic
from notifications.models import NotificationKind

TOPICS = {
    NotificationKind.DIGEST: Topic.DIGEST,
    NotificationKind.TASK_DUE_TOMORROW: Topic.DUE_NOTES,
    NotificationKind.TASK_OVERDUE: Topic.DUE_NOTES,
}


def turned_off(profile, kind: str) -> bool:
    """Whether the person whose profile this is (None: they never saved one) turned this kind
    of email off."""
    topic = TOPICS.get(kind)
    return topic is not None and profile is not None and not getattr(profile, topic.value)
