"""An observation's facts in the reader's language: the sentence shown after "Tenant confirms"
or "Tenant does not confirm", on the task, the tenant page, emails and the report."""

from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.models import Result

PLATFORMS = {
    "ios": "iOS",
    "android": "Android",
    "windows": "Windows",
    "macos": "macOS",
    "web": "web",
}
AUTHORITIES = {
    "intune": "Intune",
    "sccm": "Configuration Manager",
    "office365": "MDM for Office 365",
}


def _number(value) -> str:
    return number_format(value, force_grouping=True)


def _platforms(codes) -> str:
    return ", ".join(PLATFORMS.get(code, code) for code in codes)


def _names(names) -> str:
    return ", ".join(names)


def _skus(facts, confirms):
    if confirms:
        return _("active subscription: %(skus)s") % {
            "skus": ", ".join(
                _("%(sku)s, %(bought)s licences")
                % {"sku": s["sku"], "bought": _number(s["bought"])}
                for s in facts["skus"]
                if s["sku"] in facts["active"]
            )
        }
    return _("no active subscription to the services in scope")


def _assigned(facts, confirms):
    if confirms:
        return _("licences assigned: %(skus)s") % {
            "skus": ", ".join(
                _("%(sku)s, %(assigned)s of %(bought)s")
                % {
                    "sku": s["sku"],
                    "assigned": _number(s["assigned"]),
                    "bought": _number(s["bought"]),
                }
                for s in facts["skus"]
                if s["sku"] in facts["assigned_skus"]
            )
        }
    return _("no licence of the services in scope is assigned")


def _sync(facts, confirms, observed_at):
    if not facts["sync_enabled"]:
        return _("directory synchronisation is off")
    if not facts["last_sync"]:
        return _("directory synchronisation is on but has never run")
    ago = timesince(parse_datetime(facts["last_sync"]), observed_at)
    return _("directory synchronisation on, last sync %(ago)s ago") % {"ago": ago}


def _count(facts, confirms):
    if "synced_users" in facts:
        count = facts["synced_users"]
        return ngettext(
            "%(count)s user synchronised from the on-premises directory",
            "%(count)s users synchronised from the on-premises directory",
            count,
        ) % {"count": _number(count)}
    count = facts["intune_administrators"]
    return ngettext("%(count)s Intune administrator", "%(count)s Intune administrators", count) % {
        "count": _number(count)
    }


def _domains(facts, confirms):
    own = [
        d["name"]
        for d in facts["domains"]
        if d["verified"] and not d["name"].endswith(".onmicrosoft.com")
    ]
    if own:
        return _("verified: %(domains)s") % {"domains": _names(own)}
    return _("no domain of the customer's own is verified")


def _federation(facts, confirms):
    configured = [d for d in facts["federated"] if d["sign_in_host"]]
    if configured:
        return _("federated: %(domains)s") % {
            "domains": ", ".join(
                _("%(domain)s, signing in at %(host)s")
                % {"domain": d["name"], "host": d["sign_in_host"]}
                for d in configured
            )
        }
    if facts["federated"]:
        return _("federated domains without a federation configuration: %(domains)s") % {
            "domains": _names(d["name"] for d in facts["federated"])
        }
    return _("no domain is federated")


def _mdm(facts, confirms):
    authority = AUTHORITIES.get(facts["mdm_authority"])
    if authority is None:
        return _("the MDM authority is not set")
    return _("MDM authority: %(authority)s") % {"authority": authority}


def _devices(facts, confirms):
    counts = ", ".join(
        f"{PLATFORMS[platform]} {_number(count)}" for platform, count in facts["devices"].items()
    )
    said = _("devices enrolled: %(counts)s") % {"counts": counts}
    if facts["missing"]:
        said += "; " + _("none on %(platforms)s") % {"platforms": _platforms(facts["missing"])}
    return said


def _compliance(facts, confirms):
    if facts["missing"]:
        return _("no assigned compliance policy for %(platforms)s") % {
            "platforms": _platforms(facts["missing"])
        }
    covered = sorted({p["platform"] for p in facts["policies"] if p["assigned"]} - {"other"})
    return _("assigned compliance policies for %(platforms)s") % {"platforms": _platforms(covered)}


def _conditional_access(facts, confirms):
    if facts["matching"]:
        return _("enabled policies: %(names)s") % {"names": _names(facts["matching"])}
    return _("no enabled conditional access policy requires it")


def _mfa(facts, confirms):
    if facts["matching"]:
        return _("required by: %(names)s") % {"names": _names(facts["matching"])}
    if facts["security_defaults"]:
        return _("required by the security defaults")
    return _("no enabled policy requires it and the security defaults are off")


def _app_protection(facts, confirms):
    if facts["missing"]:
        return _("no app protection policy for %(platforms)s") % {
            "platforms": _platforms(facts["missing"])
        }
    return _("app protection policies for %(platforms)s") % {
        "platforms": _platforms(facts["policies"])
    }


def _apps(facts, confirms):
    counts = ", ".join(
        f"{PLATFORMS[platform]} {_number(count)}" for platform, count in facts["apps"].items()
    )
    said = _("assigned apps: %(counts)s") % {"counts": counts}
    if facts["missing"]:
        said += "; " + _("none for %(platforms)s") % {"platforms": _platforms(facts["missing"])}
    return said


def _branding(facts, confirms):
    return (
        _("the sign-in page is branded")
        if facts["branding"]
        else _("the sign-in page is not branded")
    )


def _terms(facts, confirms):
    ready = [t["name"] for t in facts["terms"] if t["has_text"] and t["assigned"]]
    if ready:
        return _("assigned: %(names)s") % {"names": _names(ready)}
    return _("no terms of use with a text are assigned")


def _notification_mails(facts, confirms):
    count = facts["technical_addresses"]
    if not count:
        return _("no address receives the technical notifications")
    return ngettext(
        "%(count)s address receives the technical notifications",
        "%(count)s addresses receive the technical notifications",
        count,
    ) % {"count": _number(count)}


def _reports(facts, confirms):
    if facts["reports"]:
        return _("the sign-in reports are available")
    return _("the sign-in reports need Azure AD Premium, which the tenant does not have")


_SAYINGS = {
    "skus_enabled": _skus,
    "skus_assigned": _assigned,
    "count_at_least": _count,
    "custom_domain_verified": _domains,
    "federated_domain": _federation,
    "mdm_authority": _mdm,
    "devices_per_os": _devices,
    "policies_per_platform": _compliance,
    "conditional_access_grant": _conditional_access,
    "mfa_required": _mfa,
    "app_protection": _app_protection,
    "apps_per_platform": _apps,
    "branding_set": _branding,
    "terms_assigned": _terms,
    "notification_mails": _notification_mails,
    "reports_available": _reports,
}


def facts_words(predicate: str, facts: dict, result: str, observed_at) -> str:
    """What the tenant said, as a reader of the current language reads it."""
    if result == Result.CANNOT_TELL:
        status = facts["unavailable"]["status"]
        if status == 403:
            return _(
                "the tenant does not allow this read: it has no licence for the service, or "
                "the permission is not among those it consented to"
            )
        return _("the tenant has nothing to show for this")
    if predicate == "sync_recent":
        return _sync(facts, result == Result.CONFIRMS, observed_at)
    return _SAYINGS[predicate](facts, result == Result.CONFIRMS)
