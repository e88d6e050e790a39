"""Recording an event, and who hears of it.

Every change is an event appended to the engagement's chain (engagements/audit.py). The features
that follow the core's changes are listed here, in the order they are called, in the recording's
transaction: the core's services call `event_record` and `engagement_changed` and name no
feature. Plain calls, not Django signals, so the order and the whole list are read in one place.
"""

from django.db import transaction
from django.utils import timezone

from engagements.audit import membership_party
from engagements.gates.state import owe_gate_ready
from engagements.models import ActivityEvent, Engagement, EventKind, Membership
from engagements.notifications.owing import (
    owe_assignment_note,
    owe_invitation,
    withdraw_member_notifications,
)
from engagements.status.refresh import engagement_status_refresh
from engagements.webhooks.owing import webhook_deliveries_owe
from trail.chain import actor_name, chain_append
from trail.models import AuditChainHead


def _assignment_note(event: ActivityEvent, membership: Membership | None) -> None:
    if event.kind == EventKind.OWNER_CHANGED:
        owe_assignment_note(
            task=event.task, assigned_by=event.actor, event_id=event.pk, now=timezone.now()
        )


def _member_notes(event: ActivityEvent, membership: Membership | None) -> None:
    if event.kind == EventKind.MEMBER_ADDED:
        owe_invitation(membership, timezone.now())
    elif event.kind == EventKind.MEMBER_REMOVED:
        withdraw_member_notifications(engagement_id=event.engagement_id, user=event.changes["user"])


# Called for each event, in this order.
EVENT_LISTENERS = (
    # Each webhook watching the engagement is owed the events it carries.
    lambda event, membership: webhook_deliveries_owe(event),
    # A tick that finished its phase asks every manager to sign the phase off.
    lambda event, membership: owe_gate_ready(event),
    # A task's new owner is told, unless they took it themselves.
    _assignment_note,
    # A new member is invited; a removed one hears nothing more of the engagement.
    _member_notes,
)

# Called once a change has recorded all its events: a change that records several (a catalogue
# apply, a member's removal) pays for the stored status once.
CHANGE_LISTENERS = (engagement_status_refresh,)


@transaction.atomic
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
) -> ActivityEvent:
    """Append one event to the engagement's chain, then call each of EVENT_LISTENERS with it;
    `changes` says what changed as data (the shapes per kind are in engagements/activity/text.py,
    which renders them). `membership` is the member an added member's event is about, for the
    listeners (the trail keeps its values in `changes`).

    Locking the engagement row serialises appends, so two requests at once cannot take the
    same place in the chain. Callers that also lock a task or checkpoint lock that first.
    """
    engagement = (
        Engagement.objects.select_for_update()
        .only("audit_length", "audit_head")
        .get(pk=engagement_id)
    )
    if party is None:
        party = membership_party(engagement_id, actor)
    event = ActivityEvent(
        engagement_id=engagement_id,
        task=task,
        checkpoint=checkpoint,
        actor=actor,
        actor_name=actor_name(actor),
        party=party,
        on_behalf_of=on_behalf_of,
        kind=kind,
        changes=changes or {},
        reason=reason,
        created_at=timezone.now(),
    )
    event = chain_append(
        event,
        owner=engagement,
        length_field="audit_length",
        head_field="audit_head",
        chain=AuditChainHead.Chain.ENGAGEMENT,
        owner_id=engagement_id,
    )
    for listener in EVENT_LISTENERS:
        listener(event, membership)
    return event


def engagement_changed(*, engagement_id: int) -> None:
    """Call each of CHANGE_LISTENERS once the change's events are recorded, in its transaction."""
    for listener in CHANGE_LISTENERS:
        listener(engagement_id=engagement_id)
