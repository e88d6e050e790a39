"""The catalogue's audit chain: appending an event (an admin's edit, a load, a publish) and
checking the chain, its head and the published versions it vouches for."""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from trail.chain import actor_name, chain_append, chain_check, head_problems
from trail.models import AuditChainHead

from .models import (
    CatalogueAuditHead,
    CatalogueEvent,
    CatalogueEventKind,
    CatalogueVersion,
    Phase,
    Responsibility,
    VersionSource,
)


def as_text(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else ""


@transaction.atomic
def catalogue_event_record(
    *, actor, kind: str, item_key: str = "", old_value: str = "", new_value: str = ""
) -> CatalogueEvent:
    """Append one event to the catalogue's chain (the head row's lock serialises appends)."""
    head, _created = CatalogueAuditHead.objects.select_for_update().get_or_create(pk=1)
    event = CatalogueEvent(
        actor=actor,
        actor_name=actor_name(actor),
        kind=kind,
        item_key=item_key,
        old_value=old_value,
        new_value=new_value,
        created_at=timezone.now(),
    )
    return chain_append(
        event,
        owner=head,
        length_field="length",
        head_field="head",
        chain=AuditChainHead.Chain.CATALOGUE,
        owner_id=0,
    )


def catalogue_chain_problems() -> list[str]:
    """Each altered, removed or inserted catalogue event, named, and a head that disagrees
    with the chain heads table (or is missing there though the catalogue has items)."""
    head = CatalogueAuditHead.objects.filter(pk=1).first() or CatalogueAuditHead()
    problems = chain_check(
        CatalogueEvent.objects.order_by("sequence", "pk"),
        name=lambda event: f"catalogue event {event.sequence} (id {event.pk})",
        length=head.length,
        head=head.head,
    )
    kept = AuditChainHead.objects.filter(chain=AuditChainHead.Chain.CATALOGUE, owner=0).first()
    if kept is None and not (Phase.objects.exists() or Responsibility.objects.exists()):
        return problems  # nothing loaded yet: no chain to have lost
    if kept is None:
        # Every way into the catalogue (loading it, the admin) appends an event.
        return [*problems, "the catalogue has items but no chain head in the chain heads table"]
    return problems + head_problems("the catalogue", length=head.length, head=head.head, kept=kept)


def version_hash(items) -> str:
    """SHA-256 over a version's items as it froze them, in key order: its publish event keeps
    it, so verify_audit names a published version whose items were changed afterwards."""
    rows = sorted((item.frozen() for item in items), key=lambda row: row["key"])
    content = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def version_problems() -> list[str]:
    """Each published version whose items differ from what its publish event recorded, whose
    event is missing, or whose event names a version that is gone."""
    recorded = {}
    for event in CatalogueEvent.objects.filter(kind=CatalogueEventKind.PUBLISHED):
        try:
            said = json.loads(event.new_value)
            recorded[said["version"]] = said["sha256"]
        except (KeyError, TypeError, ValueError):
            continue  # an event altered into nonsense: the chain check names it
    problems = []
    for version in CatalogueVersion.objects.order_by("number").prefetch_related("items"):
        expected = recorded.pop(version.number, None)
        if expected is None:
            # Only the first version, made when versions began, predates publish events.
            if version.source != VersionSource.MIGRATED:
                problems.append(f"catalogue version {version.number}: has no publish event")
        elif version_hash(version.items.all()) != expected:
            problems.append(
                f"catalogue version {version.number}: its items differ from the ones published"
            )
    problems += [
        f"catalogue version {number}: missing, but an event published it (deleted?)"
        for number in sorted(recorded)
    ]
    return problems
