"""What a catalogue apply or a scope change did to a task, told to the reader (the kinds
task_added, task_restored, task_updated, task_wording_kept, task_withdrawn and
catalogue_applied; their data is listed in engagements/activity/text.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.activity.reader import Reader, change_told
from engagements.models import EventKind
from responsibilities.diff import field_label, shown_value
from responsibilities.models import Phase


def _item_fields(fields: dict, reader: Reader) -> str:
    """A task's copied fields, from and to: texts cut on a page, the rest in words."""
    phases = Phase.objects.all() if "phase_code" in fields else []
    names = {phase.code: phase.name for phase in phases}

    def value(name, raw) -> str:
        if name.startswith(("text_", "note_", "evidence_hint_")):
            return reader.text(raw)
        return shown_value(name, raw, names)

    return "; ".join(
        change_told(field_label(name), value(name, old), value(name, new))
        for name, (old, new) in sorted(fields.items())
    )


_WITHDRAWN_BECAUSE = {
    "retired": lambda version: (
        _("its item was retired in catalogue version %(version)d") % {"version": version}
    ),
    "removed": lambda version: (
        _("its item was deleted from catalogue version %(version)d") % {"version": version}
    ),
    "not_applicable": lambda version: (
        _("its item no longer applies to this engagement in catalogue version %(version)d")
        % {"version": version}
    ),
    "out_of_scope": lambda version: _("no longer in the engagement's scope"),
}


def _task_added(changes: dict, reader: Reader) -> str:
    if changes["cause"] == "scope":
        return _("the engagement's scope now includes it")
    return _("new in catalogue version %(version)d") % {"version": changes["version"]}


def _task_restored(changes: dict, reader: Reader) -> str:
    if changes["cause"] == "scope":
        told = _("back in the engagement's scope")
    else:
        told = _("its item applies again in catalogue version %(version)d") % {
            "version": changes["version"]
        }
    fields = changes.get("fields")
    return f"{told}: {_item_fields(fields, reader)}" if fields else told


def _task_updated(changes: dict, reader: Reader) -> str:
    return _("catalogue version %(version)d: %(fields)s") % {
        "version": changes["version"],
        "fields": _item_fields(changes["fields"], reader),
    }


def _task_wording_kept(changes: dict, reader: Reader) -> str:
    return _(
        "done under the earlier wording, which it keeps; catalogue version %(version)d reads: "
        "%(fields)s"
    ) % {"version": changes["version"], "fields": _item_fields(changes["fields"], reader)}


def _catalogue_applied(changes: dict, reader: Reader) -> str:
    told = ngettext(
        "version %(old)s → %(new)d: %(count)d task changed",
        "version %(old)s → %(new)d: %(count)d tasks changed",
        changes["tasks"],
    ) % {"old": changes["from"] or "–", "new": changes["to"], "count": changes["tasks"]}
    left = len(changes["not_applied"])
    if left:
        told += "; " + ngettext(
            "%(count)d change not applied", "%(count)d changes not applied", left
        ) % {"count": left}
    return told


CATALOGUE_TELLERS = {
    EventKind.TASK_ADDED: _task_added,
    EventKind.TASK_UPDATED: _task_updated,
    EventKind.TASK_WORDING_KEPT: _task_wording_kept,
    EventKind.TASK_WITHDRAWN: lambda changes, reader: _WITHDRAWN_BECAUSE[changes["cause"]](
        changes["version"]
    ),
    EventKind.TASK_RESTORED: _task_restored,
    EventKind.CATALOGUE_APPLIED: _catalogue_applied,
}
