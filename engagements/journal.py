"""Recording an event, and who hears of it.

Every change is an event appended to the engagement's chain (engagements/audit.py). The features
that follow the core's changes are listed here, in the order they are called, in the recording's
transaction: the core's services call `event_record` and `engagement_changed` and name no
feature. Plain calls, not Django signals, so the order and the whole list are read in one place.
"""

import functools

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from engagements.audit import membership_party
from engagements.models import ActivityEvent, Engagement, Membership
from trail.chain import actor_name, chain_append_many
from trail.models import AuditChainHead

# Called once per change, in this order, with (events, membership): the change's events in
# their order, and the member an added member's event is about. Named by dotted path, not
# imported: the features that follow the core's changes sit above it and import it, never the
# reverse.
EVENT_LISTENERS = (
    # Each webhook watching the engagement is owed the events it carries.
    "webhooks.owing.webhook_deliveries_owe",
    # Managers are asked to sign a finished phase, told of a sign-off or a reopened phase.
    "notifications.listeners.gate_notes_owe",
    # Checkpoint reminders, updates and cancellation notices follow the meeting.
    "notifications.listeners.checkpoint_notes_owe",
    # A task's new owner is told, unless they took it themselves.
    "notifications.listeners.assignment_note_owe",
    # A new member is invited; a removed one hears nothing more of the engagement.
    "notifications.listeners.member_notes_owe",
    # The managers hear that the customer's tenant withdrew its consent or stopped confirming.
    "notifications.listeners.tenant_notes_owe",
    # The members a comment mentions are told.
    "notifications.listeners.mention_notes_owe",
    # A new engagement is planned at once: its baseline, from the catalogue's typical
    # durations (itself an event, whose listeners above run for it).
    "engagements.planning.services.plan_baselines_owe",
)

# Called with the engagement's id once a change has recorded all its events: a change that
# records several (a catalogue apply, a member's removal) pays for the stored status once.
CHANGE_LISTENERS = ("engagements.status.refresh.engagement_status_refresh",)


@functools.cache
def _listeners(paths: tuple[str, ...]) -> tuple:
    return tuple(import_string(path) for path in paths)


def engagement_lock(engagement_id: int) -> Engagement:
    """The engagement's row, locked for a change, with what the change and its listeners read
    of it: its chain's head, its dates, its last activity (so none reads it again)."""
    return (
        Engagement.objects.select_for_update().only(*ENGAGEMENT_LOCK_FIELDS).get(pk=engagement_id)
    )


ENGAGEMENT_LOCK_FIELDS = (
    "audit_length",
    "audit_head",
    "start_date",
    "purchase_date",
    "status_last_activity_at",
)


@transaction.atomic(savepoint=False)
def event_record(
    *,
    engagement_id: int,
    actor,
    kind: str,
    task=None,
    checkpoint=None,
    changes: dict | None = None,
    reason: str = "",
    on_behalf_of: str = "",
    party: str | None = None,
    membership: Membership | None = None,
    engagement: Engagement | None = None,
) -> ActivityEvent:
    """Append one event to the engagement's chain, then call each of EVENT_LISTENERS with it;
    `changes` says what changed as data (the shapes per kind are in engagements/activity/text.py,
    which renders them). `membership` is the member an added member's event is about, for the
    listeners (the trail keeps its values in `changes`). `engagement` is its row from
    `engagement_lock` when the caller holds it already.

    Locking the engagement row serialises appends, so two requests at once cannot take the
    same place in the chain. Callers that also lock a task or checkpoint lock that first.
    """
    (event,) = events_record(
        engagement=engagement or engagement_lock(engagement_id),
        actor=actor,
        party=party,
        membership=membership,
        entries=[
            {
                "kind": kind,
                "task": task,
                "checkpoint": checkpoint,
                "changes": changes,
                "reason": reason,
                "on_behalf_of": on_behalf_of,
            }
        ],
    )
    return event


@transaction.atomic(savepoint=False)
def events_record(
    *,
    engagement: Engagement,
    actor,
    entries: list[dict],
    party: str | None = None,
    membership: Membership | None = None,
) -> list[ActivityEvent]:
    """event_record for the events of one change (each entry: kind, and any of task,
    checkpoint, changes, reason, on_behalf_of), appended in their order in a fixed number of
    queries; each listener is called once with all of them. The caller holds `engagement`
    from `engagement_lock`."""
    if party is None:
        party = membership_party(engagement.pk, actor)
    now = timezone.now()
    events = [
        ActivityEvent(
            engagement_id=engagement.pk,
            task=entry.get("task"),
            checkpoint=entry.get("checkpoint"),
            actor=actor,
            actor_name=actor_name(actor),
            party=party,
            on_behalf_of=entry.get("on_behalf_of", ""),
            kind=entry["kind"],
            changes=entry.get("changes") or {},
            reason=entry.get("reason", ""),
            created_at=now,
        )
        for entry in entries
    ]
    events = chain_append_many(
        events,
        owner=engagement,
        length_field="audit_length",
        head_field="audit_head",
        chain=AuditChainHead.Chain.ENGAGEMENT,
        owner_id=engagement.pk,
    )
    # What the stored status's refresh would otherwise ask the events again.
    engagement.last_event_at = now
    for event in events:
        event.engagement = engagement
    for listener in _listeners(EVENT_LISTENERS):
        listener(events, membership)
    return events


def engagement_changed(*, engagement_id: int, engagement: Engagement | None = None) -> None:
    """Call each of CHANGE_LISTENERS once the change's events are recorded, in its transaction,
    with the engagement's locked row when the change holds it."""
    for listener in _listeners(CHANGE_LISTENERS):
        listener(engagement_id=engagement_id, engagement=engagement)
