"""A phase's state as a sign-off vouches for it, and its SHA-256; the texts a party's
acknowledgement of its general responsibilities vouches for, and theirs.

A sign-off records the hash of `phase_state` at that moment; verify_audit recomputes it for
every active sign-off, so a task of a signed phase, or its evidence, changed in the database is
named.

Who is asked to sign a gate (its managers, by party) is here too; notifications/listeners.py
asks them.
"""

import hashlib
import json

from engagements.models import Engagement, Membership, Role, Task, TaskEvidence
from responsibilities.models import PARTIES


def phase_state(engagement: Engagement, phase) -> dict:
    """The phase's tasks, each with its done state, and their evidence (a file by its SHA-256,
    a link by its address), in id order."""
    tasks = Task.objects.filter(engagement=engagement, phase=phase).order_by("pk")
    evidence = TaskEvidence.objects.filter(task__in=tasks).order_by("pk")
    return {
        "phase": phase.code,
        "tasks": [[pk, done] for pk, done in tasks.values_list("pk", "done")],
        "evidence": [
            [task_id, sha256 or url]
            for task_id, sha256, url in evidence.values_list("task_id", "sha256", "url")
        ],
    }


def state_hash(state: dict) -> str:
    return hashlib.sha256(
        json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def phase_state_hash(engagement: Engagement, phase) -> str:
    return state_hash(phase_state(engagement, phase))


def general_tasks(engagement: Engagement, party: str):
    """The party's general responsibilities in force (a withdrawn one is no commitment)."""
    return (
        Task.objects.in_force()
        .filter(engagement=engagement, phase=None, party=party)
        .order_by("position")
    )


def general_texts_hash(engagement: Engagement, party: str, language: str) -> str:
    """SHA-256 of the party's general responsibilities as read in `language`."""
    field = "text_en" if language.startswith("en") else "text_pt"
    texts = general_tasks(engagement, party).values_list("pk", "text_pt", field)
    return state_hash(
        {"party": party, "texts": [[pk, text or source] for pk, source, text in texts]}
    )


def gate_managers(engagement: Engagement) -> dict[str, list[int]]:
    """The ids of the engagement's active managers, by party: who signs its gates."""
    managers: dict[str, list[int]] = {party: [] for party in PARTIES}
    for party, user_id in Membership.objects.filter(
        engagement=engagement, role=Role.MANAGER, user__is_active=True
    ).values_list("party", "user_id"):
        managers[party].append(user_id)
    return managers
