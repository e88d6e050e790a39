"""The engagement's audit trail: what its events keep, and the checks that each chain is whole
(events are appended in `journal`; the rows they explain are checked in `trail_checks`)."""

import hashlib

from engagements.models import ActivityEvent, Engagement, Membership
from trail.chain import chain_check, head_problems
from trail.models import AuditChainHead


def task_text_hash(task) -> str:
    """SHA-256 over the texts a task copied from the catalogue, which never change after; the
    creation event keeps one per task so verify_audit can name a task rewritten in the
    database."""
    texts = [task.text_pt, task.text_en, task.catalogue_note_pt, task.catalogue_note_en]
    # The evidence rule joins the hash only when a task has one, so tasks made before it keep
    # the hashes their creation events hold, and dropping the rule in the database shows.
    if task.evidence_required or task.evidence_hint_pt or task.evidence_hint_en:
        texts += ["evidence", str(task.evidence_required), task.evidence_hint_pt]
        texts.append(task.evidence_hint_en)
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


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


def engagement_chain_problems(engagement: Engagement) -> list[str]:
    """Each altered, removed or inserted event of the engagement's trail, named."""
    return chain_check(
        ActivityEvent.objects.filter(engagement=engagement).order_by("sequence", "pk"),
        name=lambda event: (
            f"engagement {engagement.pk} ({engagement.customer}), "
            f"event {event.sequence} (id {event.pk})"
        ),
        length=engagement.audit_length,
        head=engagement.audit_head,
    )


def engagement_heads_problems() -> list[str]:
    """Each engagement whose head disagrees with the chain heads table, has no row there, or
    is gone while its row remains (engagements are never deleted)."""
    kept = {
        row.owner: row
        for row in AuditChainHead.objects.filter(chain=AuditChainHead.Chain.ENGAGEMENT)
    }
    problems = []
    for engagement in Engagement.objects.order_by("pk").only(
        "customer", "audit_length", "audit_head"
    ):
        problems += head_problems(
            f"engagement {engagement.pk} ({engagement.customer})",
            length=engagement.audit_length,
            head=engagement.audit_head,
            kept=kept.pop(engagement.pk, None),
        )
    problems += [
        f"engagement {owner}: missing, but the chain heads table says it had {row.length} "
        "events (deleted?)"
        for owner, row in sorted(kept.items())
    ]
    return problems
