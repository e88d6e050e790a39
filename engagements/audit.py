"""The engagement's audit trail: every change appended as a hash-chained event."""

from django.db import transaction
from django.utils import timezone

from responsibilities.audit import Link, actor_name, chain_problems, seal

from .models import ActivityEvent, Engagement, Membership


def membership_party(engagement_id: int, user) -> str:
    """The party the user belongs to in the engagement ('' for staff and leads)."""
    if user is None:
        return ""
    party = (
        Membership.objects.filter(engagement_id=engagement_id, user=user)
        .values_list("party", flat=True)
        .first()
    )
    return party or ""


@transaction.atomic
def event_record(
    *,
    engagement_id: int,
    actor,
    kind: str,
    task=None,
    checkpoint=None,
    old_value: str = "",
    new_value: str = "",
    reason: str = "",
    on_behalf_of: str = "",
    party: str | None = None,
) -> ActivityEvent:
    """Append one event to the engagement's chain.

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
        old_value=old_value,
        new_value=new_value,
        reason=reason,
        created_at=timezone.now(),
    )
    seal(event, length=engagement.audit_length, head=engagement.audit_head)
    event.save()
    engagement.audit_length, engagement.audit_head = event.sequence, event.hash
    engagement.save(update_fields=["audit_length", "audit_head"])
    return event


def engagement_chain_problems(engagement: Engagement) -> list[str]:
    """Each altered, removed or inserted event of the engagement's trail, named."""
    links = [
        Link(
            name=f"engagement {engagement.pk} ({engagement.customer}), event {event.sequence} "
            f"(id {event.pk})",
            sequence=event.sequence,
            previous_hash=event.previous_hash,
            hash=event.hash,
            payload=event.chain_payload(),
        )
        for event in ActivityEvent.objects.filter(engagement=engagement).order_by("sequence", "pk")
    ]
    return chain_problems(links, length=engagement.audit_length, head=engagement.audit_head)
