"""Each predicate at its edges, on Graph-shaped answers: the threshold one unit either side,
the states Graph gives that are not "done" (null sync, suspended SKUs, report-only policies,
unassigned policies, a 404 branding), and the facts kept."""

import datetime

import pytest

from tenants.graph import Answer
from tenants.models import Result
from tenants.predicates import judge

NOW = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)  # a night clocks change
CONFIRMS, NOT, CANNOT = Result.CONFIRMS, Result.DOES_NOT_CONFIRM, Result.CANNOT_TELL


def ok(body) -> Answer:
    return Answer(status=200, body=body, request_ids=["r"])


def items(*values) -> Answer:
    return ok({"value": list(values)})


def sku(part, status="Enabled", enabled=10, consumed=0):
    return {
        "skuPartNumber": part,
        "capabilityStatus": status,
        "prepaidUnits": {"enabled": enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
        "consumedUnits": consumed,
    }


EMS = {"sku_part_numbers": ["EMS", "EMSPREMIUM"]}


@pytest.mark.parametrize(
    "bought, result",
    [
        (sku("EMS", enabled=1), CONFIRMS),
        (sku("EMS", enabled=0), NOT),
        (sku("EMS", status="Suspended"), NOT),
        (sku("EMS", status="Warning"), NOT),
        (sku("ENTERPRISEPACK"), NOT),
    ],
)
def test_an_active_subscription_needs_its_part_number_enabled_units_and_status(bought, result):
    assert judge("skus_enabled", [items(bought)], EMS, NOW)[0] == result


@pytest.mark.parametrize("consumed, result", [(0, NOT), (1, CONFIRMS)])
def test_licences_assigned_from_the_first_one(consumed, result):
    found, facts = judge("skus_assigned", [items(sku("EMS", consumed=consumed))], EMS, NOW)
    assert found == result
    assert facts["skus"] == [
        {"sku": "EMS", "status": "Enabled", "bought": 10, "assigned": consumed}
    ]


def test_an_assigned_licence_of_a_suspended_subscription_does_not_count():
    answer = items(sku("EMS", status="Suspended", consumed=5))
    assert judge("skus_assigned", [answer], EMS, NOW)[0] == NOT


def organization(enabled, last):
    return items({"id": "o", "onPremisesSyncEnabled": enabled, "onPremisesLastSyncDateTime": last})


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "enabled, ago, result",
    [
        (True, datetime.timedelta(hours=3) - datetime.timedelta(seconds=1), CONFIRMS),
        (True, datetime.timedelta(hours=3), NOT),
        (True, datetime.timedelta(0), CONFIRMS),
        (False, datetime.timedelta(minutes=1), NOT),
        # Graph's null when synchronisation was never on is not done either.
        (None, datetime.timedelta(minutes=1), NOT),
    ],
)
def test_directory_sync_must_be_on_and_have_synced_within_three_hours(enabled, ago, result):
    answer = organization(enabled, iso(NOW - ago))
    assert judge("sync_recent", [answer], {"max_hours": 3}, NOW)[0] == result


def test_sync_on_but_never_run_is_not_done():
    assert judge("sync_recent", [organization(True, None)], {"max_hours": 3}, NOW) == (
        NOT,
        {"sync_enabled": True, "last_sync": None},
    )


@pytest.mark.parametrize("count, result", [("0", NOT), ("1", CONFIRMS)])
def test_a_count_from_its_minimum(count, result):
    params = {"minimum": 1, "counted": "synced_users"}
    assert judge("count_at_least", [ok(count)], params, NOW) == (
        result,
        {"synced_users": int(count)},
    )


def test_a_count_of_a_collection_counts_its_items():
    params = {"minimum": 1, "counted": "intune_administrators"}
    assert judge("count_at_least", [items({"id": "a"})], params, NOW)[0] == CONFIRMS
    assert judge("count_at_least", [items()], params, NOW)[0] == NOT


def domain(name, verified=True, authentication="Managed"):
    return {"id": name, "isVerified": verified, "authenticationType": authentication}


@pytest.mark.parametrize(
    "domains, result",
    [
        ([domain("contoso.onmicrosoft.com")], NOT),
        ([domain("contoso.onmicrosoft.com"), domain("contoso.com", verified=False)], NOT),
        ([domain("contoso.onmicrosoft.com"), domain("contoso.com")], CONFIRMS),
    ],
)
def test_a_domain_of_the_customers_own_must_be_verified(domains, result):
    assert judge("custom_domain_verified", [items(*domains)], {}, NOW)[0] == result


def test_a_federated_domain_needs_its_federation_configuration():
    domains = items(domain("contoso.com", authentication="Federated"))
    configured = items({"id": "f", "passiveSignInUri": "https://adfs.contoso.com/adfs/ls/"})
    assert judge("federated_domain", [domains, {"contoso.com": configured}], {}, NOW) == (
        CONFIRMS,
        {"federated": [{"name": "contoso.com", "sign_in_host": "adfs.contoso.com"}]},
    )
    assert judge("federated_domain", [domains, {"contoso.com": items()}], {}, NOW)[0] == NOT
    assert judge("federated_domain", [items(domain("contoso.com")), {}], {}, NOW)[0] == NOT


@pytest.mark.parametrize(
    "authority, result", [("intune", CONFIRMS), ("office365", NOT), ("unknown", NOT), ("sccm", NOT)]
)
def test_the_mdm_authority_is_the_one_expected(authority, result):
    answers = [
        items({"id": "o"}),
        {"o": ok({"id": "o", "mobileDeviceManagementAuthority": authority})},
    ]
    assert judge("mdm_authority", answers, {"expected": "intune"}, NOW)[0] == result


def overview(ios=1, android=1, windows=1, macos=0):
    summary = {
        "iosCount": ios,
        "androidCount": android,
        "windowsCount": windows,
        "macOSCount": macos,
    }
    return ok(
        {"enrolledDeviceCount": ios + android + windows, "deviceOperatingSystemSummary": summary}
    )


@pytest.mark.parametrize(
    "counts, result, missing",
    [((1, 1, 1), CONFIRMS, []), ((0, 1, 1), NOT, ["ios"]), ((1, 1, 0), NOT, ["windows"])],
)
def test_a_device_on_every_platform_in_scope(counts, result, missing):
    params = {"platforms": ["ios", "android", "windows"], "minimum": 1}
    found, facts = judge("devices_per_os", [overview(*counts)], params, NOW)
    assert (found, facts["missing"]) == (result, missing)


def policy(kind, assigned=True, name="p"):
    return {
        "@odata.type": f"#microsoft.graph.{kind}",
        "displayName": name,
        "assignments": [{"id": "a"}] if assigned else [],
    }


def test_a_compliance_policy_counts_only_when_assigned():
    params = {"platforms": ["ios", "android"]}
    assigned = items(policy("iosCompliancePolicy"), policy("androidWorkProfileCompliancePolicy"))
    assert judge("policies_per_platform", [assigned], params, NOW)[0] == CONFIRMS
    one_unassigned = items(
        policy("iosCompliancePolicy"), policy("androidWorkProfileCompliancePolicy", assigned=False)
    )
    found, facts = judge("policies_per_platform", [one_unassigned], params, NOW)
    assert (found, facts["missing"]) == (NOT, ["android"])


def ca(state, controls, name="CA"):
    return {"displayName": name, "state": state, "grantControls": {"builtInControls": controls}}


@pytest.mark.parametrize(
    "state, controls, result",
    [
        ("enabled", ["compliantDevice"], CONFIRMS),
        ("enabledForReportingButNotEnforced", ["compliantDevice"], NOT),
        ("disabled", ["compliantDevice"], NOT),
        ("enabled", ["mfa"], NOT),
    ],
)
def test_conditional_access_must_be_enabled_with_the_control(state, controls, result):
    params = {"controls": ["compliantDevice"]}
    assert judge("conditional_access_grant", [items(ca(state, controls))], params, NOW)[0] == result


@pytest.mark.parametrize(
    "policies, defaults, result",
    [
        ([ca("enabled", ["mfa"])], False, CONFIRMS),
        ([ca("enabledForReportingButNotEnforced", ["mfa"])], False, NOT),
        ([], True, CONFIRMS),
        ([], False, NOT),
    ],
)
def test_mfa_by_an_enabled_policy_or_the_security_defaults(policies, defaults, result):
    answers = [items(*policies), ok({"isEnabled": defaults})]
    assert judge("mfa_required", answers, {}, NOW)[0] == result


def test_app_protection_on_each_platform():
    params = {"platforms": ["ios", "android"]}
    both = [items({"displayName": "iOS"}), items({"displayName": "Android"})]
    assert judge("app_protection", both, params, NOW)[0] == CONFIRMS
    found, facts = judge("app_protection", [items({"displayName": "iOS"}), items()], params, NOW)
    assert (found, facts["missing"]) == (NOT, ["android"])


def test_assigned_apps_per_platform_and_a_web_link_serves_every_platform():
    params = {"platforms": ["ios", "android"]}
    ios_only = items(policy("iosStoreApp"), policy("androidStoreApp", assigned=False))
    found, facts = judge("apps_per_platform", [ios_only], params, NOW)
    assert (found, facts["missing"]) == (NOT, ["android"])
    web = items(policy("webApp"))
    assert judge("apps_per_platform", [web], params, NOW)[0] == CONFIRMS


def test_branding_missing_is_graphs_404_and_not_an_error():
    absent = Answer(status=404, body={"error": {"code": "Request_ResourceNotFound"}})
    answers = [items({"id": "o"}), {"o": absent}]
    assert judge("branding_set", answers, {}, NOW) == (NOT, {"branding": []})
    empty = [items({"id": "o"}), {"o": ok({"signInPageText": "", "bannerLogoRelativeUrl": None})}]
    assert judge("branding_set", empty, {}, NOW)[0] == NOT
    text = [items({"id": "o"}), {"o": ok({"signInPageText": "Welcome"})}]
    assert judge("branding_set", text, {}, NOW) == (CONFIRMS, {"branding": ["signInPageText"]})


@pytest.mark.parametrize(
    "body, assigned, result",
    [("Terms", True, CONFIRMS), ("   ", True, NOT), ("Terms", False, NOT)],
)
def test_terms_of_use_need_a_text_and_an_assignment(body, assigned, result):
    terms = {"displayName": "T", "bodyText": body, "assignments": [{"id": "a"}] if assigned else []}
    assert judge("terms_assigned", [items(terms)], {}, NOW)[0] == result


def test_notification_addresses_are_counted_not_kept():
    answer = items(
        {"technicalNotificationMails": ["a@contoso.com"], "securityComplianceNotificationMails": []}
    )
    assert judge("notification_mails", [answer], {}, NOW) == (
        CONFIRMS,
        {"technical_addresses": 1, "security_addresses": 0},
    )
    none = items({"technicalNotificationMails": [], "securityComplianceNotificationMails": ["b@c"]})
    assert judge("notification_mails", [none], {}, NOW)[0] == NOT


def test_sign_in_reports_refused_to_a_tenant_without_premium_is_not_done():
    refused = Answer(
        status=403, body={}, error_code="Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    )
    assert judge("reports_available", [refused], {}, NOW) == (NOT, {"reports": False})
    other = Answer(status=403, body={}, error_code="Forbidden")
    assert judge("reports_available", [other], {}, NOW)[0] == CANNOT
    assert judge("reports_available", [items()], {}, NOW) == (CONFIRMS, {"reports": True})


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_refused_read_cannot_tell(status):
    refused = Answer(status=status, body={}, error_code="Forbidden")
    assert judge("devices_per_os", [refused], {"platforms": ["ios"], "minimum": 1}, NOW) == (
        CANNOT,
        {"unavailable": {"status": status, "code": "Forbidden"}},
    )
