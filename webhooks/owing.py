"""Which webhooks an event is owed to, written in the event's own transaction: a delivery row
per webhook with a unique key, its body fixed now, so it is neither lost with a crash after
the change nor sent for a change that was rolled back. A JSON webhook gets the event as data; a
Teams channel the cards it owes (webhooks/teams.py)."""

import datetime
import json

from engagements.meetings.calendar import checkpoint_uid
from engagements.models import ActivityEvent, Engagement, EventKind
from webhooks.access import webhooks_seeing
from webhooks.models import WebhookDelivery
from webhooks.teams import CARD_EVENTS, event_cards

# The events webhooks carry, under the names receivers see.
WEBHOOK_EVENTS = {
    EventKind.TASK_DONE: "task.done",
    EventKind.TASK_REOPENED: "task.undone",
    EventKind.OWNER_CHANGED: "task.owner_changed",
    EventKind.GATE_SIGNED: "phase.signed",
    EventKind.GATE_REOPENED: "phase.reopened",
    EventKind.CHECKPOINT_SCHEDULED: "checkpoint.scheduled",
    EventKind.CHECKPOINT_CHANGED: "checkpoint.changed",
    EventKind.CHECKPOINT_CANCELLED: "checkpoint.cancelled",
    # The customer's tenant began to confirm a task, or stopped confirming a done one.
    EventKind.TENANT_CONFIRMED: "tenant.confirmed",
    EventKind.TENANT_DRIFT: "tenant.drift",
}


def _utc(moment):
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def webhook_body(event: ActivityEvent, customer: str) -> str:
    """The event as JSON: codes, ids and UTC times, the same data the trail keeps."""
    task, checkpoint = event.task, event.checkpoint
    payload = {
        "id": f"{event.engagement_id}:{event.sequence}",
        "type": WEBHOOK_EVENTS[event.kind],
        "occurred_at": _utc(event.created_at),
        "engagement": {"id": event.engagement_id, "customer": customer},
        "actor": {
            "id": event.actor_id,
            "name": event.actor_name,
            "party": event.party,
            "on_behalf_of": event.on_behalf_of,
        },
        "task": {
            "id": task.pk,
            "party": task.party,
            "phase": task.phase.code if task.phase_id else None,
            "text_pt": task.text_pt,
            "text_en": task.text_en,
            "done": task.done,
            "owner": task.owner_id,
        }
        if task
        else None,
        "checkpoint": {
            "id": checkpoint.pk,
            "uid": checkpoint_uid(checkpoint),
            "sequence": checkpoint.sequence,
            "title": checkpoint.title,
            "starts_at": _utc(checkpoint.starts_at),
            "ends_at": _utc(checkpoint.ends_at),
            "cancelled": checkpoint.is_cancelled,
        }
        if checkpoint
        else None,
        "changes": event.changes,
        "reason": event.reason,
        "hash": event.hash,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def webhook_deliveries_owe(events: list[ActivityEvent], membership=None) -> None:
    """A delivery of each event to each JSON webhook watching its engagement, and of each card
    the events owe to each Teams channel watching it (one query when none does, none when no
    event is of a kind webhooks carry; one insert for all). A listener of
    engagements/journal.py, which passes every listener the event's member too; deliveries
    do not need it."""
    carried = [
        event for event in events if event.kind in WEBHOOK_EVENTS or event.kind in CARD_EVENTS
    ]
    if not carried:
        return
    engagement_id = carried[0].engagement_id
    hooks = list(webhooks_seeing(engagement_id).only("pk", "kind", "language", "time_zone"))
    if not hooks:
        return
    json_hooks = [hook.pk for hook in hooks if not hook.is_teams]
    rows = []
    if json_hooks:
        customer = Engagement.objects.values_list("customer", flat=True).get(pk=engagement_id)
        rows = [
            WebhookDelivery(
                key=f"webhook:{webhook_id}:{event.pk}",
                webhook_id=webhook_id,
                engagement_id=engagement_id,
                event=event,
                topic=WEBHOOK_EVENTS[event.kind],
                body=body,
                created_at=event.created_at,
            )
            for event in carried
            if event.kind in WEBHOOK_EVENTS
            for body in [webhook_body(event, customer)]
            for webhook_id in json_hooks
        ]
    if channels := [hook for hook in hooks if hook.is_teams]:
        rows += event_cards(carried, channels)
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
