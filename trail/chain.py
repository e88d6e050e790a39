"""Hash chains that make an append-only log tamper-evident.

Each event stores the hash of the one before it and its own hash over its content and that
previous hash; the owner of the chain (an engagement, or the catalogue) stores the length and the
last hash, and so does a separate table of chain heads that outlives the owner. Changing an
event breaks its own hash; removing or inserting one breaks the links or the length; removing the
newest ones disagrees with the stored head; removing a whole chain, or its owner, disagrees with
the chain heads table.
"""

import hashlib
import json
from dataclasses import dataclass

from .models import AuditChainHead


def chain_hash(previous_hash: str, payload: dict) -> str:
    content = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


def actor_name(actor) -> str:
    """The name an event keeps of its actor, even if the account later goes."""
    return (actor.get_full_name() or actor.get_username()) if actor else ""


def chain_append(event, *, owner, length_field: str, head_field: str, chain: str, owner_id: int):
    """Seal a new event after the chain whose head the `owner` row keeps, save it and move the
    head to it, in the owner row and in the chain heads table (`chain`, `owner_id`). The
    caller holds the owner row's lock, which serialises appends."""
    (event,) = chain_append_many(
        [event],
        owner=owner,
        length_field=length_field,
        head_field=head_field,
        chain=chain,
        owner_id=owner_id,
    )
    return event


def chain_append_many(
    events: list, *, owner, length_field: str, head_field: str, chain: str, owner_id: int
) -> list:
    """chain_append for several events in their order, in three queries however many: each
    is sealed after the one before it, then all are inserted at once."""
    length, head = getattr(owner, length_field), getattr(owner, head_field)
    for event in events:
        length += 1
        event.sequence, event.previous_hash = length, head
        event.hash = head = chain_hash(head, event.chain_payload())
    events = type(events[0]).objects.bulk_create(events)
    setattr(owner, length_field, length)
    setattr(owner, head_field, head)
    owner.save(update_fields=[length_field, head_field])
    # The owner's lock serialises this row's writers too: update it, and make it the first
    # time only (no savepoint, no read first).
    kept = {"length": length, "head": head}
    if not AuditChainHead.objects.filter(chain=chain, owner=owner_id).update(**kept):
        AuditChainHead.objects.create(chain=chain, owner=owner_id, **kept)
    return events


def head_problems(name: str, *, length: int, head: str, kept) -> list[str]:
    """The owner's head against the chain heads table's row `kept` (None when it has none)."""
    if kept is None:
        return [f"{name}: no chain head in the chain heads table (its trail was removed?)"]
    if (kept.length, kept.head) != (length, head):
        return [
            f"{name}: its head ({length} events, {head[:12] or 'none'}) disagrees: the chain "
            f"heads table says {kept.length} events ({kept.head[:12] or 'none'}), so events "
            "were removed or the head was rewritten"
        ]
    return []


@dataclass
class Link:
    """What the checker needs of one event."""

    name: str
    sequence: int
    previous_hash: str
    hash: str
    payload: dict


def chain_check(events, *, name, length: int, head: str) -> list[str]:
    """Every break in the chain of `events` (in chain order), each named by `name(event)`."""
    links = [
        Link(
            name=name(event),
            sequence=event.sequence,
            previous_hash=event.previous_hash,
            hash=event.hash,
            payload=event.chain_payload(),
        )
        for event in events
    ]
    return chain_problems(links, length=length, head=head)


def chain_problems(links: list[Link], *, length: int, head: str) -> list[str]:
    """Every break in a chain, each naming the event where it shows; empty when intact."""
    problems = []
    expected_sequence, previous_hash = 1, ""
    for link in links:
        if link.sequence != expected_sequence:
            if link.sequence > expected_sequence:
                problems.append(
                    f"{link.name}: events {expected_sequence}-{link.sequence - 1} before it "
                    "were removed"
                )
            else:
                problems.append(f"{link.name}: its sequence number {link.sequence} repeats")
        if link.previous_hash != previous_hash:
            problems.append(f"{link.name}: does not follow the event before it (inserted?)")
        if chain_hash(link.previous_hash, link.payload) != link.hash:
            problems.append(f"{link.name}: was altered after it was written")
        expected_sequence, previous_hash = link.sequence + 1, link.hash
    if expected_sequence - 1 != length or previous_hash != head:
        problems.append(
            f"the chain should end at event {length}, but ends at event {expected_sequence - 1}"
            " (events at its end were removed or added)"
        )
    return problems
