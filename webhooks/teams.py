"""Which cards a Teams channel is owed: a delivery row per card and channel with a unique key,
sent, retried and claimed as every webhook delivery is (webhooks/sending.py).

A phase made ready for sign-off, signed off or reopened, and a comment that mentions members,
owe their card in the event's own transaction (`event_cards`, called by webhooks/owing.py).
Reminders and tasks overdue have no event: beat's dispatch owes them when their moment comes
(`clock_cards_owe`), and the key makes every later scan harmless:
- a checkpoint's reminder, once the nearest of CHECKPOINT_REMINDER_MINUTES before it is reached
  and the meeting has not started (a reminder whose moment passed while beat was down is still
  sent; one whose moment was already past when the meeting was scheduled is not, as by email);
- an engagement's tasks that became overdue today (due yesterday, in the portal's time zone,
  still open), from DIGEST_HOUR, as the due-date notes go out.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from engagements.models import Checkpoint, EventKind, Task
from responsibilities.models import Phase
from webhooks import cards
from webhooks.access import webhooks_seeing
from webhooks.models import Webhook, WebhookDelivery, WebhookKind

TOPICS = {
    "gate_ready": "phase.ready",
    EventKind.GATE_SIGNED: "phase.signed",
    EventKind.GATE_REOPENED: "phase.reopened",
    EventKind.COMMENT_ADDED: "comment.mention",
    "reminder": "checkpoint.reminder",
    "overdue": "tasks.overdue",
}
_EVENT_CARDS = {
    "gate_ready": cards.gate_ready_card,
    EventKind.GATE_SIGNED: cards.gate_signed_card,
    EventKind.GATE_REOPENED: cards.gate_reopened_card,
    EventKind.COMMENT_ADDED: cards.mention_card,
}
# The events that may owe a card: a tick may finish its phase, a comment may mention people.
CARD_EVENTS = {EventKind.TASK_DONE, *(kind for kind in _EVENT_CARDS if kind != "gate_ready")}


def _rows(hooks, *, key, topic, engagement_id, render, args, event=None, created_at=None):
    """A delivery per channel, each in its own language and time zone (rendered once per
    pair)."""
    bodies, rows = {}, []
    for hook in hooks:
        reading = (hook.language, hook.time_zone)
        if reading not in bodies:
            bodies[reading] = cards.written_for(hook, render, *args)
        rows.append(
            WebhookDelivery(
                key=key(hook),
                webhook_id=hook.pk,
                engagement_id=engagement_id,
                event=event,
                topic=topic,
                body=bodies[reading],
                created_at=created_at or timezone.now(),
            )
        )
    return rows


def _finishing_ticks(events) -> dict:
    """The last tick of each phase the change left with no open task: its gate is ready."""
    last = {event.task.phase_id: event for event in events if event.kind == EventKind.TASK_DONE}
    if last:
        still_open = Task.objects.open().filter(
            engagement_id=events[0].engagement_id, phase_id__in=list(last)
        )
        for phase_id in set(still_open.values_list("phase_id", flat=True)):
            del last[phase_id]
    return last


def event_cards(events, hooks) -> list[WebhookDelivery]:
    """The cards a change's events owe the Teams channels watching its engagement: a phase
    ready, signed off or reopened; a comment that mentions members."""
    phases = {phase.code: phase for phase in Phase.objects.all()}
    owed = [(event, "gate_ready", event.task.phase) for event in _finishing_ticks(events).values()]
    for event in events:
        if event.kind in (EventKind.GATE_SIGNED, EventKind.GATE_REOPENED):
            owed.append((event, event.kind, phases[event.changes["phase"]]))
        elif event.kind == EventKind.COMMENT_ADDED and event.changes.get("mentions"):
            owed.append((event, event.kind, event.task))
    rows = []
    for event, what, about in owed:
        rows += _rows(
            hooks,
            key=lambda hook, event=event: f"webhook:{hook.pk}:{event.pk}",
            topic=TOPICS[what],
            engagement_id=event.engagement_id,
            render=_EVENT_CARDS[what],
            args=(event, about),
            event=event,
            created_at=event.created_at,
        )
    return rows


def _channels(engagement_id: int) -> list[Webhook]:
    return list(webhooks_seeing(engagement_id).filter(kind=WebhookKind.TEAMS))


def _owe(rows) -> None:
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)


def _not_yet_owed(hooks, key) -> list[Webhook]:
    """The channels whose card is not owed yet: a card is drawn once, not at every scan."""
    owed = set(
        WebhookDelivery.objects.filter(key__in=[key(hook) for hook in hooks]).values_list(
            "key", flat=True
        )
    )
    return [hook for hook in hooks if key(hook) not in owed]


def _reminders_owe(now: datetime.datetime) -> None:
    offsets = sorted(settings.CHECKPOINT_REMINDER_MINUTES)
    if not offsets:
        return
    reach = now + datetime.timedelta(minutes=offsets[-1])
    coming = Checkpoint.objects.filter(
        cancelled_at__isnull=True, starts_at__gt=now, starts_at__lte=reach
    ).select_related("engagement", "phase")
    for checkpoint in coming:
        minutes = min(
            m for m in offsets if checkpoint.starts_at - datetime.timedelta(minutes=m) <= now
        )
        if checkpoint.starts_at - datetime.timedelta(minutes=minutes) < checkpoint.created_at:
            continue
        stamp = int(checkpoint.starts_at.timestamp())

        def key(hook, checkpoint=checkpoint, stamp=stamp, minutes=minutes):
            return f"webhook:{hook.pk}:reminder:{checkpoint.pk}:{stamp}:{minutes}"

        hooks = _not_yet_owed(_channels(checkpoint.engagement_id), key)
        _owe(
            _rows(
                hooks,
                key=key,
                topic=TOPICS["reminder"],
                engagement_id=checkpoint.engagement_id,
                render=cards.reminder_card,
                args=(checkpoint, minutes),
                created_at=now,
            )
        )


def _overdue_owe(now: datetime.datetime) -> None:
    local = timezone.localtime(now)
    if local.hour < settings.DIGEST_HOUR:
        return
    today = local.date()
    tasks = (
        Task.objects.open()
        .filter(due_date=today - datetime.timedelta(days=1))
        .select_related("engagement", "phase", "owner")
        .order_by("engagement_id", "phase__order", "position")
    )
    by_engagement: dict[int, list[Task]] = {}
    for task in tasks:
        by_engagement.setdefault(task.engagement_id, []).append(task)
    for engagement_id, overdue in by_engagement.items():

        def key(hook, engagement_id=engagement_id):
            return f"webhook:{hook.pk}:overdue:{engagement_id}:{today.isoformat()}"

        hooks = _not_yet_owed(_channels(engagement_id), key)
        _owe(
            _rows(
                hooks,
                key=key,
                topic=TOPICS["overdue"],
                engagement_id=engagement_id,
                render=cards.overdue_card,
                args=(overdue[0].engagement, overdue, today),
                created_at=now,
            )
        )


def clock_cards_owe(*, now: datetime.datetime) -> None:
    """Owe the reminders and overdue cards whose moment has come (one query when no Teams
    channel is registered)."""
    if not Webhook.objects.filter(kind=WebhookKind.TEAMS).exists():
        return
    _reminders_owe(now)
    _overdue_owe(now)
