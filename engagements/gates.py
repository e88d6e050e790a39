"""A phase's state as a sign-off vouches for it, and its SHA-256.

A sign-off records the hash of `phase_state` at that moment; verify_audit recomputes it for
every active sign-off, so a task of a signed phase changed in the database is named. The state
is a dict so that later facts (evidence hashes) can join it under keys of their own.
"""

import hashlib
import json

from .models import Engagement, Task


def phase_state(engagement: Engagement, phase) -> dict:
    """The phase's tasks, each with its done state, in id order."""
    tasks = Task.objects.filter(engagement=engagement, phase=phase).order_by("pk")
    return {
        "phase": phase.code,
        "tasks": [[pk, done] for pk, done in tasks.values_list("pk", "done")],
    }


def state_hash(state: dict) -> str:
    return hashlib.sha256(
        json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def phase_state_hash(engagement: Engagement, phase) -> str:
    return state_hash(phase_state(engagement, phase))
