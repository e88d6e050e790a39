"""Each check's predicate: Graph's answers in, (result, facts) out. The facts are what is kept
of the answers (counts, ids, policy and domain names, never a person's or a device's), and all
the words and the assessment page need; the predicate decides on the facts alone.

`answers` lines up with the check's requests: an `Answer`, or for a request asked per item of
an earlier one, a dict of the item's id to its `Answer`.
"""

import datetime

from django.utils.dateparse import parse_datetime

from tenants.graph import Answer
from tenants.models import Result

CONFIRMS, DOES_NOT_CONFIRM, CANNOT_TELL = (
    Result.CONFIRMS,
    Result.DOES_NOT_CONFIRM,
    Result.CANNOT_TELL,
)

# Graph's @odata.type of a policy or app, to the platform it is for.
COMPLIANCE_PLATFORMS = {
    "#microsoft.graph.iosCompliancePolicy": "ios",
    "#microsoft.graph.androidCompliancePolicy": "android",
    "#microsoft.graph.androidWorkProfileCompliancePolicy": "android",
    "#microsoft.graph.androidDeviceOwnerCompliancePolicy": "android",
    "#microsoft.graph.aospDeviceOwnerCompliancePolicy": "android",
    "#microsoft.graph.windows10CompliancePolicy": "windows",
    "#microsoft.graph.windows81CompliancePolicy": "windows",
    "#microsoft.graph.windowsPhone81CompliancePolicy": "windows",
    "#microsoft.graph.macOSCompliancePolicy": "macos",
}
APP_PLATFORMS = {
    "#microsoft.graph.iosStoreApp": "ios",
    "#microsoft.graph.iosLobApp": "ios",
    "#microsoft.graph.iosVppApp": "ios",
    "#microsoft.graph.managedIOSStoreApp": "ios",
    "#microsoft.graph.managedIOSLobApp": "ios",
    "#microsoft.graph.androidStoreApp": "android",
    "#microsoft.graph.androidLobApp": "android",
    "#microsoft.graph.androidManagedStoreApp": "android",
    "#microsoft.graph.managedAndroidStoreApp": "android",
    "#microsoft.graph.managedAndroidLobApp": "android",
    "#microsoft.graph.win32LobApp": "windows",
    "#microsoft.graph.windowsMobileMSI": "windows",
    "#microsoft.graph.windowsUniversalAppX": "windows",
    "#microsoft.graph.microsoftStoreForBusinessApp": "windows",
    "#microsoft.graph.winGetApp": "windows",
    "#microsoft.graph.windowsMicrosoftEdgeApp": "windows",
    "#microsoft.graph.windowsWebApp": "windows",
    # A web link opens on every platform.
    "#microsoft.graph.webApp": "web",
}
DEVICE_COUNTS = {
    "ios": "iosCount",
    "android": "androidCount",
    "windows": "windowsCount",
    "macos": "macOSCount",
}
BRANDING_PARTS = (
    "signInPageText",
    "bannerLogoRelativeUrl",
    "backgroundImageRelativeUrl",
    "squareLogoRelativeUrl",
)


def unavailable(answer: Answer) -> tuple[str, dict]:
    """A check whose read was refused for a reason other than consent: no Intune licence, a
    report that needs Azure AD Premium, a read Graph does not allow this tenant."""
    return CANNOT_TELL, {"unavailable": {"status": answer.status, "code": answer.error_code}}


def _first_refused(answers) -> Answer | None:
    for answer in answers:
        for one in answer.values() if isinstance(answer, dict) else [answer]:
            if one.status != 200:
                return one
    return None


def skus_enabled(answers, params, now):
    skus = _skus(answers[0])
    active = _active(skus, params)
    return (CONFIRMS if active else DOES_NOT_CONFIRM), {"skus": skus, "active": active}


def skus_assigned(answers, params, now):
    skus = _skus(answers[0])
    assigned = [
        sku["sku"] for sku in skus if sku["sku"] in _active(skus, params) and sku["assigned"] > 0
    ]
    return (CONFIRMS if assigned else DOES_NOT_CONFIRM), {"skus": skus, "assigned_skus": assigned}


def _skus(answer: Answer) -> list[dict]:
    return [
        {
            "sku": sku["skuPartNumber"],
            "status": sku["capabilityStatus"],
            "bought": sku["prepaidUnits"]["enabled"],
            "assigned": sku["consumedUnits"],
        }
        for sku in answer.items
    ]


def _active(skus: list[dict], params) -> list[str]:
    wanted = set(params["sku_part_numbers"])
    return [
        sku["sku"]
        for sku in skus
        if sku["sku"] in wanted and sku["status"] == "Enabled" and sku["bought"] > 0
    ]


def sync_recent(answers, params, now):
    organization = answers[0].items[0]
    # Graph gives null, not false, when synchronisation was never on.
    enabled = organization.get("onPremisesSyncEnabled") is True
    last = organization.get("onPremisesLastSyncDateTime")
    facts = {"sync_enabled": enabled, "last_sync": last}
    fresh = last is not None and now - parse_datetime(last) < datetime.timedelta(
        hours=params["max_hours"]
    )
    return (CONFIRMS if enabled and fresh else DOES_NOT_CONFIRM), facts


def count_at_least(answers, params, now):
    answer = answers[0]
    count = int(answer.body) if isinstance(answer.body, str) else len(answer.items)
    result = CONFIRMS if count >= params["minimum"] else DOES_NOT_CONFIRM
    return result, {params["counted"]: count}


def _domains(answer: Answer) -> list[dict]:
    return [
        {
            "name": domain["id"],
            "verified": domain["isVerified"],
            "authentication": domain["authenticationType"],
        }
        for domain in answer.items
    ]


def custom_domain_verified(answers, params, now):
    domains = _domains(answers[0])
    own = [
        d["name"] for d in domains if d["verified"] and not d["name"].endswith(".onmicrosoft.com")
    ]
    return (CONFIRMS if own else DOES_NOT_CONFIRM), {"domains": domains}


def federated_domain(answers, params, now):
    federated = []
    for name, answer in answers[1].items():
        hosts = [
            config["passiveSignInUri"].split("/")[2]
            for config in answer.items
            if (config.get("passiveSignInUri") or "").startswith("https://")
        ]
        federated.append({"name": name, "sign_in_host": hosts[0] if hosts else ""})
    configured = [domain for domain in federated if domain["sign_in_host"]]
    return (CONFIRMS if configured else DOES_NOT_CONFIRM), {"federated": federated}


def mdm_authority(answers, params, now):
    answer = next(iter(answers[1].values()), None)
    if answer is None:
        return CANNOT_TELL, {"unavailable": {"status": 404, "code": "no organization"}}
    authority = answer.body.get("mobileDeviceManagementAuthority", "unknown")
    result = CONFIRMS if authority == params["expected"] else DOES_NOT_CONFIRM
    return result, {"mdm_authority": authority}


def devices_per_os(answers, params, now):
    summary = answers[0].body["deviceOperatingSystemSummary"]
    devices = {platform: summary.get(field) or 0 for platform, field in DEVICE_COUNTS.items()}
    missing = [p for p in params["platforms"] if devices[p] < params["minimum"]]
    facts = {"devices": devices, "missing": missing}
    return (DOES_NOT_CONFIRM if missing else CONFIRMS), facts


def policies_per_platform(answers, params, now):
    policies = [
        {
            "name": policy["displayName"],
            "platform": COMPLIANCE_PLATFORMS.get(policy.get("@odata.type"), "other"),
            "assigned": bool(policy.get("assignments")),
        }
        for policy in answers[0].items
    ]
    covered = {policy["platform"] for policy in policies if policy["assigned"]}
    missing = [platform for platform in params["platforms"] if platform not in covered]
    return (DOES_NOT_CONFIRM if missing else CONFIRMS), {"policies": policies, "missing": missing}


def _ca_policies(answer: Answer) -> list[dict]:
    return [
        {
            "name": policy["displayName"],
            "state": policy["state"],
            "controls": list((policy.get("grantControls") or {}).get("builtInControls") or []),
        }
        for policy in answer.items
    ]


def conditional_access_grant(answers, params, now):
    policies = _ca_policies(answers[0])
    wanted = set(params["controls"])
    # A policy only reported on (enabledForReportingButNotEnforced) enforces nothing.
    matching = [
        p["name"] for p in policies if p["state"] == "enabled" and wanted & set(p["controls"])
    ]
    return (CONFIRMS if matching else DOES_NOT_CONFIRM), {
        "policies": policies,
        "matching": matching,
    }


def mfa_required(answers, params, now):
    policies = _ca_policies(answers[0])
    matching = [p["name"] for p in policies if p["state"] == "enabled" and "mfa" in p["controls"]]
    defaults = answers[1].body.get("isEnabled") is True
    facts = {"matching": matching, "security_defaults": defaults}
    return (CONFIRMS if matching or defaults else DOES_NOT_CONFIRM), facts


def app_protection(answers, params, now):
    found = {
        platform: [policy["displayName"] for policy in answer.items]
        for platform, answer in zip(params["platforms"], answers, strict=True)
    }
    missing = [platform for platform, names in found.items() if not names]
    return (DOES_NOT_CONFIRM if missing else CONFIRMS), {"policies": found, "missing": missing}


def apps_per_platform(answers, params, now):
    counts = dict.fromkeys([*params["platforms"], "web"], 0)
    for app in answers[0].items:
        platform = APP_PLATFORMS.get(app.get("@odata.type"))
        if platform in counts and app.get("isAssigned", True):
            counts[platform] += 1
    missing = [p for p in params["platforms"] if not counts[p] and not counts["web"]]
    facts = {"apps": counts, "missing": missing, "truncated": answers[0].truncated}
    return (DOES_NOT_CONFIRM if missing else CONFIRMS), facts


def branding_set(answers, params, now):
    answer = next(iter(answers[1].values()), None)
    if answer is None:
        return CANNOT_TELL, {"unavailable": {"status": 404, "code": "no organization"}}
    if answer.status == 404:
        # Graph's answer when the tenant has no branding at all: not done, not an error.
        return DOES_NOT_CONFIRM, {"branding": []}
    parts = [part for part in BRANDING_PARTS if answer.body.get(part)]
    return (CONFIRMS if parts else DOES_NOT_CONFIRM), {"branding": parts}


def terms_assigned(answers, params, now):
    terms = [
        {
            "name": item["displayName"],
            "has_text": bool((item.get("bodyText") or "").strip()),
            "assigned": bool(item.get("assignments")),
        }
        for item in answers[0].items
    ]
    ready = [t["name"] for t in terms if t["has_text"] and t["assigned"]]
    return (CONFIRMS if ready else DOES_NOT_CONFIRM), {"terms": terms}


def notification_mails(answers, params, now):
    organization = answers[0].items[0]
    # Counted, not kept: the addresses may be people's own.
    technical = len(organization.get("technicalNotificationMails") or [])
    security = len(organization.get("securityComplianceNotificationMails") or [])
    facts = {"technical_addresses": technical, "security_addresses": security}
    return (CONFIRMS if technical else DOES_NOT_CONFIRM), facts


NOT_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


def reports_available(answers, params, now):
    answer = answers[0]
    if answer.status == 403 and answer.error_code == NOT_PREMIUM:
        return DOES_NOT_CONFIRM, {"reports": False}
    # The sign-in read is not kept: only that it could be read.
    return CONFIRMS, {"reports": True}


# Answers a predicate judges itself instead of "cannot tell": (predicate, status) pairs.
JUDGED = {("branding_set", 404), ("reports_available", 403)}

PREDICATES = {
    function.__name__: function
    for function in (
        skus_enabled,
        skus_assigned,
        sync_recent,
        count_at_least,
        custom_domain_verified,
        federated_domain,
        mdm_authority,
        devices_per_os,
        policies_per_platform,
        conditional_access_grant,
        mfa_required,
        app_protection,
        apps_per_platform,
        branding_set,
        terms_assigned,
        notification_mails,
        reports_available,
    )
}


def judge(name: str, answers: list, params: dict, now: datetime.datetime) -> tuple[str, dict]:
    refused = _first_refused(answers)
    if refused is not None and (name, refused.status) not in JUDGED:
        return unavailable(refused)
    return PREDICATES[name](answers, params, now)
