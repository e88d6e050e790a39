"""What the audit trail says each row should be (engagements/verify/state.py), against what the
rows are: a change made in the database or the store, bypassing the services, shows here even
where every hash holds."""

import datetime
import functools

from django.utils.module_loading import import_string

from engagements.audit import task_text_hash
from engagements.gates.state import phase_state_hash
from engagements.meetings.records import brief_problems, report_problems, stored_sha256
from engagements.models import (
    ActivityEvent,
    Engagement,
    EvidenceKind,
    GateSignOff,
    GeneralAcknowledgement,
    Membership,
    ShareLink,
    TaskComment,
    TaskEvidence,
)
from engagements.verify.state import TrailState


def _shown(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _moment(value: str | None):
    return datetime.datetime.fromisoformat(value) if value else None


_TASK_START = {
    "done": False,
    "note": "",
    "due_date": None,
    "owner_id": None,
    "awaiting_confirmation": False,
    "is_withdrawn": False,
}
_TASK_LABELS = {
    "done": "done",
    "note": "note",
    "due_date": "due date",
    "owner_id": "owner",
    "awaiting_confirmation": "awaiting confirmation",
    "is_withdrawn": "withdrawn",
}


def _task_problems(engagement, state: TrailState, name: str) -> list[str]:
    problems = []
    texts = dict(state.texts or {})
    for task in engagement.tasks.order_by("pk"):
        where = f"{name}, task {task.pk}"
        expected = _TASK_START | state.tasks.get(task.pk, {})
        for field, value in expected.items():
            actual = getattr(task, field)
            if actual != value:
                problems.append(
                    f"{where}: {_TASK_LABELS[field]} is {_shown(actual)}, "
                    f"but the trail says {_shown(value)}"
                )
        if state.texts is None:
            continue  # created before the trail kept text hashes
        kept = texts.pop(str(task.pk), None)
        if kept is None:
            problems.append(f"{where}: was not among the engagement's tasks when it was created")
        elif kept != task_text_hash(task):
            problems.append(f"{where}: text differs from the one it was created with")
    problems += [f"{name}, task {pk}: missing (deleted?)" for pk in texts]
    return problems


def _version_problems(engagement, state: TrailState, name: str) -> list[str]:
    """The catalogue version the engagement says it is on, against its trail's last word."""
    on = engagement.catalogue_version.number if engagement.catalogue_version_id else None
    if state.version is None or on == state.version:
        return []
    return [f"{name}: is on catalogue version {on}, but the trail says {state.version}"]


def _member_problems(engagement, state: TrailState, name: str) -> list[str]:
    problems = []
    current = {
        membership.user_id: membership
        for membership in Membership.objects.filter(
            engagement=engagement, user_id__in=state.members
        )
    }
    for user_id, member in state.members.items():
        membership = current.get(user_id)
        if member is None:
            if membership is not None:
                problems.append(
                    f"{name}, member {membership.user} (user {user_id}): is a member, "
                    "but its last event removed them"
                )
            continue
        where = f"{name}, member {member['name']} (user {user_id})"
        if membership is None:
            problems.append(f"{where}: is not a member, but its last event says they are")
            continue
        for field in ("party", "role"):
            if getattr(membership, field) != member[field]:
                problems.append(
                    f"{where}: {field} is {getattr(membership, field)}, "
                    f"but its last event says {member[field]}"
                )
    return problems


_LINK_LABELS = {"label": "label", "expires_at": "expires", "revoked_at": "revoked"}


def _link_problems(engagement, state: TrailState, name: str) -> list[str]:
    problems = []
    current = {link.pk: link for link in ShareLink.objects.filter(pk__in=state.links)}
    for pk, said in state.links.items():
        where = f"{name}, share link {pk} ({said['label']})"
        link = current.get(pk)
        if link is None or link.engagement_id != engagement.pk:
            problems.append(f"{where}: missing (deleted?)")
            continue
        revoked_at = _moment(said.get("revoked_at"))
        for field, expected in (
            ("label", said["label"]),
            ("expires_at", _moment(said["expires_at"])),
            ("revoked_at", revoked_at),
        ):
            actual = getattr(link, field)
            if actual != expected:
                problems.append(
                    f"{where}: {_LINK_LABELS[field]} {_shown(actual)}, "
                    f"but its last event says {_shown(expected)}"
                )
    return problems


def _sign_off_problems(engagement, state: TrailState, name: str) -> list[str]:
    """Each sign-off that disagrees with its events, or whose phase no longer is in the state
    it vouched for while it is in force (a signed phase is locked, so only a change made
    around the services can move it)."""
    problems = []
    current = {
        sign_off.pk: sign_off
        for sign_off in GateSignOff.objects.filter(gate__engagement=engagement).select_related(
            "gate__phase"
        )
    }
    for pk, said in state.sign_offs.items():
        where = f"{name}, sign-off {pk} of {said['phase']} for {said['party']}"
        sign_off = current.pop(pk, None)
        if sign_off is None:
            problems.append(f"{where}: missing (deleted?)")
            continue
        if sign_off.party != said["party"] or sign_off.gate.phase.code != said["phase"]:
            problems.append(f"{where}: is now for {sign_off.gate.phase.code}/{sign_off.party}")
        if sign_off.state_hash != said["state_hash"]:
            problems.append(f"{where}: its state hash differs from the one its event recorded")
        if (sign_off.withdrawn_at is not None) != said["withdrawn"]:
            problems.append(
                f"{where}: is {'withdrawn' if sign_off.withdrawn_at else 'in force'}, "
                f"but the trail says it is {'withdrawn' if said['withdrawn'] else 'in force'}"
            )
        elif sign_off.withdrawn_at is None and said["state_hash"] != phase_state_hash(
            engagement, sign_off.gate.phase
        ):
            problems.append(f"{where}: the phase's state no longer matches the one signed off")
    problems += [f"{name}, sign-off {pk}: has no event in the trail" for pk in sorted(current)]
    return problems


def _evidence_problems(engagement, state: TrailState, name: str) -> list[str]:
    """Each evidence row whose hash, size, link or task is not what its event says, each stored
    file whose bytes no longer match its SHA-256, and evidence the trail never recorded."""
    problems = []
    rows = {
        row.pk: row
        for row in TaskEvidence.objects.filter(task__engagement=engagement).order_by("pk")
    }
    for pk, row in rows.items():
        where = f"{name}, evidence {pk} ({row.original_name or row.url})"
        said = state.evidence.get(pk)
        if said is None:
            problems.append(f"{where}: no event of the trail added it")
            continue
        fields = {"task": (row.task_id, said["task"]), "kind": (row.kind, said["kind"])}
        if said["kind"] == EvidenceKind.FILE:
            fields |= {"sha256": (row.sha256, said["sha256"]), "size": (row.size, said["size"])}
        else:
            fields["url"] = (row.url, said["url"])
        problems += [
            f"{where}: {field} is {_shown(actual)}, but its event says {_shown(expected)}"
            for field, (actual, expected) in fields.items()
            if actual != expected
        ]
        if row.kind == EvidenceKind.FILE:
            stored = stored_sha256(row.file)
            if stored is None:
                problems.append(f"{where}: the stored file is missing")
            elif stored != said["sha256"]:
                problems.append(
                    f"{where}: the stored file's SHA-256 is {stored}, "
                    f"but its event says {said['sha256']}"
                )
    problems += [
        f"{name}, evidence {pk}: missing (deleted?)" for pk in state.evidence if pk not in rows
    ]
    comments = dict(
        TaskComment.objects.filter(task__engagement=engagement).values_list("pk", "body")
    )
    for pk, body in comments.items():
        if state.comments.get(pk) != body:
            problems.append(f"{name}, comment {pk}: text is not what its event says")
    problems += [
        f"{name}, comment {pk}: missing (deleted?)" for pk in state.comments if pk not in comments
    ]
    return problems


def _acknowledgement_problems(engagement, state: TrailState, name: str) -> list[str]:
    problems = []
    rows = {row.pk: row for row in GeneralAcknowledgement.objects.filter(engagement=engagement)}
    for pk, row in rows.items():
        where = f"{name}, acknowledgement {pk} for {row.party}"
        said = state.acknowledgements.get(pk)
        if said is None:
            problems.append(f"{where}: no event of the trail made it")
            continue
        problems += [
            f"{where}: {field} is {_shown(getattr(row, field))}, but its event says "
            f"{_shown(said[field])}"
            for field in ("party", "language", "texts_hash")
            if getattr(row, field) != said[field]
        ]
    problems += [
        f"{name}, acknowledgement {pk}: missing (deleted?)"
        for pk in state.acknowledgements
        if pk not in rows
    ]
    return problems


def engagement_state_problems(engagement: Engagement) -> list[str]:
    """Each row the trail explains whose current state is not what its last event says: a
    task's done state, note, due date, texts, confirmation and withdrawal, the catalogue version
    the engagement is on, a member's party and role, a share
    link's label, expiry and revocation, a phase sign-off and the state of its phase, evidence's
    hash, size and link (and each stored file's bytes), a comment's text, an acknowledgement of
    the general responsibilities, a checkpoint's filed reports and their bytes and its brief's
    texts (a change made
    in the database or the store, bypassing the services)."""
    name = f"engagement {engagement.pk} ({engagement.customer})"
    state = TrailState(
        ActivityEvent.objects.filter(engagement=engagement)
        .order_by("sequence", "pk")
        .only("kind", "task_id", "checkpoint_id", "changes", "new_value", "on_behalf_of")
    )
    return (
        _task_problems(engagement, state, name)
        + _version_problems(engagement, state, name)
        + _member_problems(engagement, state, name)
        + _link_problems(engagement, state, name)
        + _sign_off_problems(engagement, state, name)
        + _evidence_problems(engagement, state, name)
        + _acknowledgement_problems(engagement, state, name)
        + report_problems(engagement, state.reports, name)
        + brief_problems(engagement, state.briefs, name)
        + [problem for check in _feature_checks() for problem in check(engagement)]
    )


# The features that keep rows the trail explains check them too, named by dotted path: the
# features sit above the core.
FEATURE_STATE_CHECKS = (
    "tenants.verify.observation_problems",
    "engagements.planning.verify.plan_problems",
)


@functools.cache
def _feature_checks() -> tuple:
    return tuple(import_string(path) for path in FEATURE_STATE_CHECKS)
