"""Microsoft Graph as the stand-in (tests/graph.py) answers the portal's reads: Graph's 401 and
403, licences, throttling, paging, ConsistencyLevel, the headers and error shape of every answer,
its refusals of unknown routes and options, and drift."""

import datetime

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from .graph import IDENTITY, INTUNE, SENSITIVE, contoso_complete, no_intune_licence
from .graph_calls import CALLBACK, CLIENT_ID, CONTOSO, FABRIKAM, SECRET, graph, token_for


@pytest.fixture
def contoso(entra):
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK])
    return entra.add_tenant(contoso_complete(CONTOSO))


# Graph's answers.


def test_every_answer_carries_graphs_headers_and_an_error_has_its_shape(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    ours = graph(entra, "organization", **{"client-request-id": "portal-1"})
    assert ours.headers["client-request-id"] == "portal-1" and ours.headers["request-id"]
    assert ours.headers["Date"] and ours.json()["value"][0]["id"] == CONTOSO
    refused = graph(entra, "users/$count")
    error = refused.json()["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert error["innerError"]["request-id"] == refused.headers["request-id"]
    assert refused.headers["Date"]


@pytest.mark.parametrize(
    "token", [None, "", "not.a.jwt", "unknown-key", "expired"], ids=lambda token: repr(token)
)
def test_graph_refuses_a_missing_or_bad_token_with_401(entra, contoso, time_machine, token):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    headers = {}
    if token == "unknown-key":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode({"aud": "https://graph.microsoft.com"}, key, "RS256", {"kid": "k"})
    elif token == "expired":
        token = token_for(entra).json()["access_token"]
        time_machine.move_to(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = requests.get(f"{entra.url}/v1.0/organization", headers=headers, verify=entra.ca_path)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer ")
    assert entra.graph_requests[-1].tenant_id is None


def test_a_revoked_consent_refuses_old_tokens_and_new_ones(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    entra.revoke_consent(CONTOSO, CLIENT_ID)
    assert graph(entra, "organization", token).status_code == 401
    assert token_for(entra).json()["error_codes"] == [700016]
    entra.grant_consent(CONTOSO, CLIENT_ID)  # a new service principal: the old token stays dead
    assert graph(entra, "organization", token).status_code == 401
    assert graph(entra, "organization").status_code == 200


def test_a_token_signed_before_a_key_rotation_still_reads(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    entra.rotate_keys()
    assert graph(entra, "organization", token).status_code == 200


@pytest.mark.parametrize(
    ("tier", "path", "code"),
    [
        (IDENTITY, "users/$count", "Authorization_RequestDenied"),
        (IDENTITY, "auditLogs/signIns?$top=1", "Authorization_RequestDenied"),
        (IDENTITY, "deviceManagement/managedDeviceOverview", "Forbidden"),
        (IDENTITY, f"organization/{CONTOSO}?$select=mobileDeviceManagementAuthority", "Forbidden"),
        (INTUNE, "users/$count", "Authorization_RequestDenied"),
    ],
)
def test_a_read_outside_the_tokens_roles_is_refused_with_403(entra, contoso, tier, path, code):
    entra.register_app(CLIENT_ID, SECRET, tier, [CALLBACK])
    entra.grant_consent(CONTOSO, CLIENT_ID)
    answer = graph(entra, path, ConsistencyLevel="eventual")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == code
    if code == "Forbidden":  # Intune's refusal names the permission it wanted
        assert (
            "Application must have one of the following scopes" in answer.json()["error"]["message"]
        )


def test_each_tier_reads_what_it_holds(entra, contoso):
    for tier, allowed in [
        (IDENTITY, "domains"),
        (INTUNE, "deviceManagement/managedDeviceOverview"),
    ]:
        entra.register_app(CLIENT_ID, SECRET, tier, [CALLBACK])
        entra.grant_consent(CONTOSO, CLIENT_ID)
        assert graph(entra, allowed).status_code == 200


# Licences.


@pytest.mark.parametrize("status", [403, 400])
def test_intune_refuses_a_tenant_without_its_licence(entra, contoso, status):
    tenant = entra.add_tenant(no_intune_licence(FABRIKAM))
    tenant.unlicensed_status = status
    entra.grant_consent(FABRIKAM, CLIENT_ID)
    token = token_for(entra, FABRIKAM).json()["access_token"]
    answer = graph(entra, "deviceManagement/deviceCompliancePolicies", token)
    assert answer.status_code == status
    error = answer.json()["error"]
    if status == 403:  # Intune's "Forbidden", wrapped in an UnknownError
        assert error["code"] == "UnknownError" and '"ErrorCode":"Forbidden"' in error["message"]
    else:
        assert error == error | {
            "code": "BadRequest",
            "message": "Request not applicable to target tenant.",
        }
    assert graph(entra, "domains", token).status_code == 200


def test_a_suspended_subscription_takes_intune_and_the_sign_in_logs_away(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    assert graph(entra, "auditLogs/signIns?$top=1").status_code == 200
    for bought in contoso.skus:
        bought["capabilityStatus"] = "Suspended"
    assert graph(entra, "deviceManagement/managedDeviceOverview").status_code == 403
    logs = graph(entra, "auditLogs/signIns?$top=1")
    assert logs.status_code == 403
    assert logs.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


# Throttling, paging, advanced queries, routes.


@pytest.mark.parametrize("status", [429, 503])
def test_a_throttled_tenant_is_told_when_to_retry_then_served(entra, contoso, status):
    entra.add_tenant(no_intune_licence(FABRIKAM))
    for tenant_id in (CONTOSO, FABRIKAM):
        entra.grant_consent(tenant_id, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    entra.throttle(CONTOSO, times=2, retry_after=7, status=status)

    first, second = graph(entra, "domains", token), graph(entra, "domains", token)
    other = graph(entra, "domains", token_for(entra, FABRIKAM).json()["access_token"])

    assert [first.status_code, second.status_code] == [status, status]
    assert first.headers["Retry-After"] == "7" and first.json()["error"]["code"]
    assert other.status_code == 200
    assert graph(entra, "domains", token).status_code == 200
    statuses = [(r.tenant_id, r.status) for r in entra.graph_requests]
    assert statuses == [(CONTOSO, status), (CONTOSO, status), (FABRIKAM, 200), (CONTOSO, 200)]


def test_a_long_collection_comes_in_pages_linked_by_an_absolute_next_link(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    contoso.page_size = 2
    policies = contoso.compliance_policies
    first = graph(entra, "deviceManagement/deviceCompliancePolicies?$expand=assignments", token)
    link = first.json()["@odata.nextLink"]
    assert link.startswith(f"{entra.url}/v1.0/deviceManagement/deviceCompliancePolicies?")
    second = requests.get(link, headers={"Authorization": f"Bearer {token}"}, verify=entra.ca_path)
    values = first.json()["value"] + second.json()["value"]
    assert [item["id"] for item in values] == [policy["id"] for policy in policies]
    assert "@odata.nextLink" not in second.json() and all("assignments" in item for item in values)
    assert len(graph(entra, "auditLogs/signIns?$top=1", token).json()["value"]) == 1


def test_a_count_needs_consistency_level_eventual(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    path = "users/$count?$filter=onPremisesSyncEnabled eq true"
    refused = graph(entra, path)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert "ConsistencyLevel:eventual" in refused.json()["error"]["message"]
    counted = graph(entra, path, ConsistencyLevel="eventual")
    assert counted.status_code == 200 and counted.text == "1250"
    assert counted.headers["Content-Type"].startswith("text/plain")
    assert entra.graph_requests[-1].headers["ConsistencyLevel"] == "eventual"
    assert (
        graph(
            entra, "users/$count?$filter=accountEnabled eq true", ConsistencyLevel="eventual"
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("nothingHere", 400, "BadRequest"),
        ("deviceManagement/nothingHere", 400, "BadRequest"),
        ("organization/not-this-tenant", 404, "Request_ResourceNotFound"),
        ("domains/unknown.example", 404, "Request_ResourceNotFound"),
        ("organization?$select=colour", 400, "BadRequest"),
        ("subscribedSkus?$filter=skuPartNumber eq 'EMS'", 400, "BadRequest"),
        ("deviceManagement/termsAndConditions?$expand=acceptanceStatuses", 400, "BadRequest"),
        # v1.0 apps have no isAssigned: $expand=assignments says which are assigned.
        ("deviceAppManagement/mobileApps?$filter=isAssigned eq true", 400, "BadRequest"),
    ],
)
def test_an_unknown_route_or_option_is_refused_as_graph_refuses_it(
    entra, contoso, path, status, code
):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    answer = graph(entra, path)
    assert answer.status_code == status and answer.json()["error"]["code"] == code


def test_queries_the_portal_makes_are_answered(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    authority = graph(
        entra, f"organization/{CONTOSO}?$select=mobileDeviceManagementAuthority", token
    )
    assert authority.json()["mobileDeviceManagementAuthority"] == "intune"
    assert set(authority.json()) == {"@odata.context", "mobileDeviceManagementAuthority"}
    admins = "roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{}'"
    intune_admins = graph(entra, admins.format("3a2c62db-5318-420d-8d74-23affee5d9d5"), token)
    assert len(intune_admins.json()["value"]) == 1
    assert (
        graph(entra, admins.format("00000000-0000-0000-0000-00000000000a"), token).json()["value"]
        == []
    )
    federation = graph(entra, "domains/contoso.com/federationConfiguration", token).json()["value"]
    assert federation[0]["passiveSignInUri"] == "https://sts.contoso.com/adfs/ls/"
    assert (
        graph(entra, "domains/contoso.onmicrosoft.com/federationConfiguration", token).json()[
            "value"
        ]
        == []
    )


# Drift: facts changed between two reads.


def test_changed_facts_are_what_the_next_read_sees(entra, contoso):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    token = token_for(entra).json()["access_token"]
    contoso.last_sync = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=4)
    contoso.compliance_policies.clear()
    contoso.branding = None
    contoso.devices["ios"] = 0

    organization = graph(entra, "organization", token).json()["value"][0]
    synced = datetime.datetime.fromisoformat(organization["onPremisesLastSyncDateTime"])
    assert datetime.datetime.now(datetime.UTC) - synced > datetime.timedelta(hours=3)
    assert graph(entra, "deviceManagement/deviceCompliancePolicies", token).json()["value"] == []
    assert graph(entra, f"organization/{CONTOSO}/branding", token).status_code == 404
    overview = graph(entra, "deviceManagement/managedDeviceOverview", token).json()
    assert overview["deviceOperatingSystemSummary"]["iosCount"] == 0


def test_a_tenant_consented_without_facts_is_a_mistake_of_the_test_said_plainly(entra, contoso):
    entra.add_user(FABRIKAM, "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", None, "Someone")
    entra.grant_consent(FABRIKAM, CLIENT_ID)
    answer = graph(entra, "organization", token_for(entra, FABRIKAM).json()["access_token"])
    assert answer.status_code == 500 and "entra.add_tenant" in answer.json()["error"]["message"]
