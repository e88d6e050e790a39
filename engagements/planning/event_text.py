"""The plan's events in the audit trail, in the reader's language (engagements/activity/text.py
finds these tellers by their dotted path)."""

from django.utils.translation import gettext as _

from engagements.models import EventKind
from responsibilities.models import Phase, in_active_language

_PHASE_NAMES: dict[str, tuple[str, str]] = {}


def _phase_names() -> dict[str, tuple[str, str]]:
    """The phases' names by code, read once per process: the four phases are the programme's
    shape, never renamed by a page, and a list of events would otherwise ask once per event."""
    if not _PHASE_NAMES:
        _PHASE_NAMES.update(
            (code, (pt, en))
            for code, pt, en in Phase.objects.values_list("code", "name_pt", "name_en")
        )
    return _PHASE_NAMES


def _names(codes) -> dict[str, str]:
    """In the programme's order."""
    return {
        code: in_active_language(*names) for code, names in _phase_names().items() if code in codes
    }


def _span(dates, reader) -> str:
    if not dates:
        return "–"
    return _("%(start)s to %(end)s") % {
        "start": reader.date(dates[0]),
        "end": reader.date(dates[1]),
    }


def _in_phase_order(phases: dict, names: dict):
    """jsonb keeps no order: the phases in the programme's order."""
    order = list(names)
    return sorted(phases.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99)


def _baselined(changes, reader) -> str:
    names = _names(changes["phases"])
    return "; ".join(
        f"{names.get(code, code)}: {_span(dates, reader)}"
        for code, dates in _in_phase_order(changes["phases"], names)
    )


def _changed(changes, reader) -> str:
    names = _names(changes["phases"])
    told = "; ".join(
        f"{names.get(code, code)}: {_span(old, reader)} → {_span(new, reader)}"
        for code, (old, new) in _in_phase_order(changes["phases"], names)
    )
    return _("version %(version)d: %(changes)s") % {"version": changes["version"], "changes": told}


PLAN_TELLERS = {EventKind.PLAN_BASELINED: _baselined, EventKind.PLAN_CHANGED: _changed}
