"""Hash chains that make an append-only log tamper-evident.

Each event stores the hash of the one before it and its own hash over its content and that
previous hash; the owner of the chain (an engagement, or the catalogue) stores the length and the
last hash. Changing an event breaks its own hash; removing or inserting one breaks the links or
the length; removing the newest ones disagrees with the stored head.
"""

import hashlib
import json
from dataclasses import dataclass


def chain_hash(previous_hash: str, payload: dict) -> str:
    content = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


def actor_name(actor) -> str:
    """The name an event keeps of its actor, even if the account later goes."""
    return (actor.get_full_name() or actor.get_username()) if actor else ""


def seal(event, *, length: int, head: str) -> None:
    """Give a new event its place after a chain of `length` events ending in `head`, and its
    hash. The caller saves the event and moves the head to it, under the head's lock."""
    event.sequence, event.previous_hash = length + 1, head
    event.hash = chain_hash(head, event.chain_payload())


@dataclass
class Link:
    """What the checker needs of one event."""

    name: str
    sequence: int
    previous_hash: str
    hash: str
    payload: dict


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
