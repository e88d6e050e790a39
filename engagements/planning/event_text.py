"""The plan's events in the audit trail, in the reader's language (engagements/activity/text.py
finds these tellers by their dotted path)."""

from django.utils.translation import gettext as _

from engagements.models import EventKind
from responsibilities.models import Phase


def _names(codes) -> dict[str, str]:
    return {phase.code: phase.name for phase in Phase.objects.filter(code__in=list(codes))}


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
