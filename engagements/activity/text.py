"""What an event changed, told to each reader in their language and time zone.

Events keep what changed as data (`ActivityEvent.changes`, covered by the hash), like the admin's
LogEntry, because the trail is read for years by people in other languages and time zones:

| kind | changes |
|---|---|
| task_done, task_reopened | {} |
| note_changed | {"old": text, "new": text} |
| due_date_changed | {"old": ISO date or null, "new": ISO date or null} |
| owner_changed | {"old": owner or null, "new": owner or null}; an owner is {"id", "name" then} |
| checkpoint_scheduled, _changed, _cancelled | {field: [old, new]}: scheduling goes from null, a
  cancellation to null; times ISO UTC, phase and kind as codes, attendees [{"id", "name"}] |
| member_added, member_removed | {"user": id, "name": name then, "party": code, "role": code} |
| member_changed | {"old": member, "new": member} |
| account_bound | {"user": id, "name": name then, "tenant_id", "object_id"}: the Microsoft account
  an invited member accepted with |
| engagement_changed | {field: [old, new]}: dates ISO, yes/no as booleans |
| share_link_created, _revoked | {"link": id, "label", "expires_on": ISO date, "expires_at": ISO
  UTC}, and "revoked_at" when revoked |
| engagement_created | {"tasks": count, "texts": {task id: SHA-256 of its texts}} |
| gate_signed | {"phase": code, "party": code signed for, "sign_off": id, "comment", "state_hash":
  SHA-256 of engagements.gates.state.phase_state, "closed": whether this closed the gate} |
| gate_reopened | {"phase": code, "withdrawn": [party codes], "sign_offs": [ids]}; why in reason |
| task_confirmed | {} |
| evidence_added, evidence_replaced | {"evidence": id, "kind": "file" or "link", "caption"}, a
  file's "name", "content_type", "size" (bytes) and "sha256", a link's "url", and "replaces":
  the earlier version's id when it replaces one |
| comment_added | {"comment": id, "body": text}, and "mentions": [{"id", "name" then}] of the
  members it names, when it names any |
| general_acknowledged | {"party": code, "acknowledgement": id, "language": code read in,
  "tasks": [ids], "texts_hash": SHA-256 of engagements.gates.state.general_texts_hash} |
| checkpoint_report_filed | {"report": id, "language": code, "time_zone": name, "as_of": ISO
  UTC, "size": bytes, "sha256": of the stored PDF, "recipients": [{"id", "name"}]} |
| checkpoint_brief_written | {field: [old, new]} for each of summary, decisions, next_steps that
  changed (texts; "" when empty) |
| task_added, task_restored | {"version": catalogue version number, "item": key, "cause":
  "catalogue" or "scope", "text_hash": SHA-256 of the task's texts}; a restored one's "fields"
  as below |
| task_updated | {"version", "item", "fields": {item field: [old, new]} (phases as codes, parents
  by key), "text_hash"} |
| task_wording_kept | {"version", "item", "fields": the wording the done task did not take} |
| task_withdrawn | {"version", "item", "cause": "retired", "removed", "not_applicable" (its
  conditions) or "out_of_scope"} |
| catalogue_applied | {"from": version number or null, "to": number, "tasks": count,
  "not_applied": [item keys left as they were]} |
| task_created | a one-off task: {"party": code, "phase": code, "text", "language": code typed
  in, "due_date": ISO date or null, "owner": owner or null, "evidence_required": boolean,
  "evidence_hint", "text_hash": SHA-256 of the task's texts} |
| plan_baselined | {"version": 1, "phases": {phase code: [ISO start, ISO end]}} |
| plan_changed | {"version": number, "phases": {phase code: [[old start, old end] or null,
  [new start, new end]]}} for the phases whose dates changed; why in reason |

Events written before `changes` existed hold text in old_value/new_value and read as stored.
"""

import datetime
import functools

from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.activity.reader import Reader, change_told
from engagements.models import (
    BRIEF_FIELDS,
    Checkpoint,
    CheckpointBrief,
    CheckpointKind,
    Engagement,
    EventKind,
    Role,
    Task,
)
from engagements.sync.wording import CATALOGUE_TELLERS
from fasttrack.bounds import without_bidi_controls
from fasttrack.formatting import zone_name
from responsibilities.models import Party, Phase, party_for


def _label(choices, code) -> str:
    return str(dict(choices).get(code, code)) if code else "–"


def _member(values: dict) -> str:
    return _("%(name)s (%(party)s, %(role)s)") % {
        "name": without_bidi_controls(values.get("name", "")),
        "party": _label(Party.choices, values.get("party")),
        "role": _label(Role.choices, values.get("role")),
    }


def _checkpoint_fields(changes: dict, reader: Reader) -> str:
    codes = [code for code in changes.get("phase", ()) if code]
    phases = {phase.code: phase.name for phase in Phase.objects.filter(code__in=codes)}
    shown = {
        "phase": lambda code: phases.get(code, code) if code else "–",
        "kind": lambda code: _label(CheckpointKind.choices, code),
        "starts_at": reader.moment,
        "ends_at": reader.moment,
        "attendees": lambda people: (
            ", ".join(without_bidi_controls(person["name"]) for person in people) if people else "–"
        ),
    }
    return "; ".join(
        change_told(
            Checkpoint._meta.get_field(name).verbose_name,
            *(shown.get(name, reader.text)(value) for value in values),
        )
        for name, values in _in_form_order(Checkpoint, changes)
    )


def _in_form_order(model, changes: dict):
    """The fields in the model's order: PostgreSQL's jsonb does not keep the written order."""
    order = [field.name for field in model._meta.get_fields()]
    return sorted(changes.items(), key=lambda item: order.index(item[0]))


def _checkpoint_time(changes: dict, side: int, reader: Reader) -> str:
    return (
        f"{reader.moment(changes['starts_at'][side])} – {reader.moment(changes['ends_at'][side])}"
    )


def _engagement_value(field, value, reader: Reader) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateField):
        return reader.date(value)
    return reader.text(str(value))


def _engagement_fields(changes: dict, reader: Reader) -> str:
    fields = {name: Engagement._meta.get_field(name) for name in changes}
    return "; ".join(
        change_told(
            fields[name].verbose_name,
            *(_engagement_value(fields[name], value, reader) for value in values),
        )
        for name, values in _in_form_order(Engagement, changes)
    )


def _share_link(changes: dict, reader: Reader) -> str:
    return _("%(label)s, until %(date)s") % {
        "label": reader.text(changes["label"]),
        "date": reader.date(changes["expires_on"]),
    }


def _task_field(name: str, shown_as: str):
    def tell(changes: dict, reader: Reader) -> str:
        show = getattr(reader, shown_as)
        label = Task._meta.get_field(name).verbose_name
        return change_told(label, show(changes["old"]), show(changes["new"]))

    return tell


def _phase_name(code: str) -> str:
    phase = Phase.objects.filter(code=code).first()
    return phase.name if phase else code


def _gate_signed(changes: dict, reader: Reader) -> str:
    told = _("%(phase)s, %(for_party)s") % {
        "phase": _phase_name(changes["phase"]),
        "for_party": party_for(changes["party"]),
    }
    if changes["closed"]:
        told = _("%(told)s: the phase is closed") % {"told": told}
    if changes["comment"]:
        told = f"{told} · “{reader.text(changes['comment'])}”"
    return told


def _gate_reopened(changes: dict, reader: Reader) -> str:
    return _("%(phase)s: sign-offs withdrawn (%(parties)s)") % {
        "phase": _phase_name(changes["phase"]),
        "parties": ", ".join(_label(Party.choices, code) for code in changes["withdrawn"]),
    }


def _general_acknowledged(changes: dict, reader: Reader) -> str:
    count = len(changes["tasks"])
    return ngettext(
        "%(party)s, %(count)d general responsibility, read in %(language)s",
        "%(party)s, %(count)d general responsibilities, read in %(language)s",
        count,
    ) % {
        "party": _label(Party.choices, changes["party"]),
        "count": count,
        "language": translation.get_language_info(changes["language"])["name_translated"],
    }


def _evidence(changes: dict, reader: Reader) -> str:
    if changes["kind"] == "link":
        shown = reader.text(changes["url"])
    else:
        shown = _("%(name)s (%(size)s, SHA-256 %(sha256)s)") % {
            "name": reader.text(changes["name"]),
            "size": filesizeformat(changes["size"]),
            # Whole in the CSV, where it is compared; its start is enough to tell on a page.
            "sha256": changes["sha256"] if reader.export else changes["sha256"][:12] + "…",
        }
    caption = changes.get("caption")
    return f"{reader.text(caption)}: {shown}" if caption else shown


def _report_filed(changes: dict, reader: Reader) -> str:
    names = ", ".join(without_bidi_controls(person["name"]) for person in changes["recipients"])
    return _("in %(language)s, %(zone)s (%(size)s, SHA-256 %(sha256)s), to %(names)s") % {
        "language": translation.get_language_info(changes["language"])["name_translated"],
        "zone": zone_name(changes["time_zone"], datetime.datetime.fromisoformat(changes["as_of"])),
        "size": filesizeformat(changes["size"]),
        "sha256": changes["sha256"] if reader.export else changes["sha256"][:12] + "…",
        "names": names or "–",
    }


def _task_created(changes: dict, reader: Reader) -> str:
    told = _("“%(text)s”, %(phase)s, for %(party)s") % {
        "text": reader.text(changes["text"]),
        "phase": _phase_name(changes["phase"]),
        "party": _label(Party.choices, changes["party"]),
    }
    if changes["due_date"]:
        told += " · " + _("due %(date)s") % {"date": reader.date(changes["due_date"])}
    if changes["owner"]:
        told += " · " + _("owner: %(name)s") % {"name": reader.person(changes["owner"])}
    if changes["evidence_required"]:
        told += " · " + _("needs evidence")
    return told


def _brief_written(changes: dict, reader: Reader) -> str:
    return "; ".join(
        change_told(
            CheckpointBrief._meta.get_field(name).verbose_name,
            *(reader.text(value) for value in changes[name]),
        )
        for name in BRIEF_FIELDS
        if name in changes
    )


_TELLERS = {
    EventKind.ENGAGEMENT_CREATED: lambda changes, reader: (
        ngettext("%(count)d task", "%(count)d tasks", changes["tasks"])
        % {"count": changes["tasks"]}
    ),
    EventKind.NOTE_CHANGED: _task_field("note", "text"),
    EventKind.DUE_DATE_CHANGED: _task_field("due_date", "date"),
    EventKind.OWNER_CHANGED: _task_field("owner", "person"),
    EventKind.CHECKPOINT_SCHEDULED: lambda changes, reader: _checkpoint_time(changes, 1, reader),
    EventKind.CHECKPOINT_CHANGED: _checkpoint_fields,
    EventKind.CHECKPOINT_CANCELLED: lambda changes, reader: _checkpoint_time(changes, 0, reader),
    EventKind.MEMBER_ADDED: lambda changes, reader: _member(changes),
    EventKind.MEMBER_REMOVED: lambda changes, reader: _member(changes),
    EventKind.MEMBER_CHANGED: lambda changes, reader: (
        f"{_member(changes['old'])} → {_member(changes['new'])}"
    ),
    EventKind.ENGAGEMENT_CHANGED: _engagement_fields,
    EventKind.SHARE_LINK_CREATED: _share_link,
    EventKind.SHARE_LINK_REVOKED: _share_link,
    EventKind.GATE_SIGNED: _gate_signed,
    EventKind.GATE_REOPENED: _gate_reopened,
    EventKind.EVIDENCE_ADDED: _evidence,
    EventKind.EVIDENCE_REPLACED: _evidence,
    EventKind.COMMENT_ADDED: lambda changes, reader: reader.text(changes["body"]),
    EventKind.GENERAL_ACKNOWLEDGED: _general_acknowledged,
    EventKind.CHECKPOINT_REPORT_FILED: _report_filed,
    EventKind.TASK_CREATED: _task_created,
    EventKind.CHECKPOINT_BRIEF_WRITTEN: _brief_written,
    EventKind.ACCOUNT_BOUND: lambda changes, reader: (
        _("%(name)s, tenant %(tenant)s")
        % {
            "name": without_bidi_controls(changes["name"]),
            "tenant": changes["tenant_id"],
        }
    ),
    **CATALOGUE_TELLERS,
}

# The tellers of the features' own events, by dotted path: the features sit above the core.
FEATURE_TELLERS = (
    "tenants.event_text.TENANT_TELLERS",
    "engagements.planning.event_text.PLAN_TELLERS",
)


@functools.cache
def _tellers() -> dict:
    found = dict(_TELLERS)
    for path in FEATURE_TELLERS:
        found |= import_string(path)
    return found


# Old text events of these kinds held a count or nothing worth showing beside the kind.
_TEXT_NOT_SHOWN = {EventKind.TASK_DONE, EventKind.TASK_REOPENED, EventKind.ENGAGEMENT_CREATED}


def event_change_text(event, *, export: bool = False) -> str:
    """What the event changed, as a phrase in the active language ('' when the kind says it
    all). `export` writes times as ISO 8601 and keeps long texts whole, for the CSV."""
    reader = Reader(export=export)
    if event.changes:
        return _tellers()[event.kind](event.changes, reader)
    if event.kind in _TEXT_NOT_SHOWN or not (event.old_value or event.new_value):
        return ""
    return f"{reader.text(event.old_value)} → {reader.text(event.new_value)}"
