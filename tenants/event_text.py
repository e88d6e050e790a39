"""The tenant's events in the audit trail, in the reader's language (engagements/activity/text.py
finds these tellers by their dotted path: the core names no feature)."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.models import EventKind
from tenants.models import Result, Tier


def _tenant(changes, reader) -> str:
    name = changes.get("tenant_name") or changes["tenant_id"]
    return _("%(name)s (tenant %(tenant)s)") % {
        "name": reader.text(name),
        "tenant": changes["tenant_id"],
    }


def _connected(changes, reader) -> str:
    return _("%(tenant)s, permissions: %(tier)s") % {
        "tenant": _tenant(changes, reader),
        "tier": Tier(changes["tier"]).label,
    }


def _checked(changes, reader) -> str:
    results = [one["result"] for one in changes["observations"]]
    return _("%(checks)s: %(confirms)s confirm, %(not)s do not, %(cannot)s cannot tell") % {
        "checks": ngettext("%(count)d check", "%(count)d checks", len(results))
        % {"count": len(results)},
        "confirms": results.count(Result.CONFIRMS),
        "not": results.count(Result.DOES_NOT_CONFIRM),
        "cannot": results.count(Result.CANNOT_TELL),
    }


def _check_title(changes, reader) -> str:
    language = "en" if (translation.get_language() or "").startswith("en") else "pt"
    return changes["title"][language]


TENANT_TELLERS = {
    EventKind.TENANT_CONNECTED: _connected,
    EventKind.TENANT_DISCONNECTED: _tenant,
    # Microsoft's own words (an AADSTS code) stay in the event's data, for the admin and the
    # API; a reader is told what they mean.
    EventKind.TENANT_REVOKED: lambda changes, reader: _(
        "the tenant no longer lets the portal read it: its consent was withdrawn or the app removed"
    ),
    EventKind.TENANT_CHECKED: _checked,
    EventKind.TENANT_CONFIRMED: _check_title,
    EventKind.TENANT_DRIFT: _check_title,
}
