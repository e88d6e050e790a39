"""What the audit trail says each of an engagement's rows should be, read from its events in
chain order; engagements/verify/checks.py holds the rows against it."""

import datetime

from engagements.models import EventKind

_FROM_THE_CATALOGUE = {
    EventKind.TASK_ADDED,
    EventKind.TASK_UPDATED,
    EventKind.TASK_WITHDRAWN,
    EventKind.TASK_RESTORED,
}


class TrailState:
    """What the engagement's rows should be, read from its events in chain order.

    Tasks start undone, with no note, due date or owner; members and share links are held only to
    events that carry their ids (older text events and rows made before the trail say nothing
    that can be checked)."""

    def __init__(self, events):
        self.texts = None  # task id -> hash of its texts, from the creation event
        self.tasks: dict[int, dict] = {}
        self.members: dict[int, dict | None] = {}  # None: removed
        self.links: dict[int, dict] = {}
        self.sign_offs: dict[int, dict] = {}  # sign-off id -> what its events said of it
        self.evidence: dict[int, dict] = {}  # evidence id -> what its event says
        # comment id -> its body, and the ids of the members it mentions
        self.comments: dict[int, tuple[str, list[int]]] = {}
        self.acknowledgements: dict[int, dict] = {}  # acknowledgement id -> its event's changes
        self.reports: dict[int, dict] = {}  # checkpoint report id -> what its event says
        self.briefs: dict[int, dict] = {}  # checkpoint id -> its brief's texts, as last written
        self.version = None  # the catalogue version number the engagement is on
        for event in events:
            try:
                self._read(event)
            except (KeyError, TypeError, ValueError):
                # An event altered into nonsense: the chain check names it; go on.
                continue

    def _task(self, event) -> dict:
        return self.tasks.setdefault(event.task_id, {})

    def _read(self, event):
        changes, kind = event.changes, event.kind
        if kind == EventKind.ENGAGEMENT_CREATED and "texts" in changes:
            self.texts = changes["texts"]
            self.version = changes.get("version")
        elif kind in _FROM_THE_CATALOGUE:
            self._read_sync(event)
        elif kind == EventKind.TASK_CREATED:
            self._read_one_off(event)
        elif kind == EventKind.CATALOGUE_APPLIED:
            self.version = changes["to"]
        elif kind in (EventKind.TASK_DONE, EventKind.TASK_REOPENED):
            task = self._task(event)
            task["done"] = kind == EventKind.TASK_DONE
            task["awaiting_confirmation"] = task["done"] and bool(event.on_behalf_of)
        elif kind == EventKind.TASK_CONFIRMED:
            self._task(event)["awaiting_confirmation"] = False
        elif kind == EventKind.GATE_SIGNED:
            self.sign_offs[changes["sign_off"]] = {
                "phase": changes["phase"],
                "party": changes["party"],
                "state_hash": changes["state_hash"],
                "withdrawn": False,
            }
        elif kind == EventKind.GATE_REOPENED:
            for pk in changes["sign_offs"]:
                self.sign_offs[pk]["withdrawn"] = True
        elif kind == EventKind.NOTE_CHANGED:
            self._task(event)["note"] = changes["new"] if changes else event.new_value
        elif kind == EventKind.OWNER_CHANGED:
            self._task(event)["owner_id"] = changes["new"]["id"] if changes["new"] else None
        elif kind == EventKind.DUE_DATE_CHANGED:
            new = changes["new"] if changes else event.new_value
            self._task(event)["due_date"] = datetime.date.fromisoformat(new) if new else None
        elif kind in (EventKind.MEMBER_ADDED, EventKind.MEMBER_CHANGED) and changes:
            member = changes.get("new", changes)
            self.members[member["user"]] = member
        elif kind == EventKind.MEMBER_REMOVED and changes:
            self.members[changes["user"]] = None
        elif kind in (EventKind.SHARE_LINK_CREATED, EventKind.SHARE_LINK_REVOKED) and changes:
            self.links[changes["link"]] = changes
        elif kind in (EventKind.EVIDENCE_ADDED, EventKind.EVIDENCE_REPLACED):
            self.evidence[changes["evidence"]] = changes | {"task": event.task_id}
        elif kind == EventKind.COMMENT_ADDED:
            self.comments[changes["comment"]] = (
                changes["body"],
                sorted(mention["id"] for mention in changes.get("mentions", [])),
            )
        elif kind == EventKind.GENERAL_ACKNOWLEDGED:
            self.acknowledgements[changes["acknowledgement"]] = changes
        elif kind == EventKind.CHECKPOINT_REPORT_FILED:
            self.reports[changes["report"]] = changes | {"checkpoint": event.checkpoint_id}
        elif kind == EventKind.CHECKPOINT_BRIEF_WRITTEN:
            brief = self.briefs.setdefault(event.checkpoint_id, {})
            brief |= {name: values[1] for name, values in changes.items()}

    def _read_one_off(self, event):
        """A task a manager added: its texts' hash, and the due date and owner it came with."""
        changes = event.changes
        if self.texts is not None:
            self.texts[str(event.task_id)] = changes["text_hash"]
        task = self._task(event)
        task["due_date"] = (
            datetime.date.fromisoformat(changes["due_date"]) if changes["due_date"] else None
        )
        task["owner_id"] = changes["owner"]["id"] if changes["owner"] else None

    def _read_sync(self, event):
        """A task added, updated, withdrawn or brought back by a catalogue version or a scope
        change: its texts' new hash, and whether it is withdrawn."""
        changes = event.changes
        if "text_hash" in changes and self.texts is not None:
            self.texts[str(event.task_id)] = changes["text_hash"]
        if event.kind in (EventKind.TASK_WITHDRAWN, EventKind.TASK_RESTORED):
            self._task(event)["is_withdrawn"] = event.kind == EventKind.TASK_WITHDRAWN
