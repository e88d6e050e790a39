"""The Entra and Graph stand-in (tests/entra.py, tests/entra_apps.py, tests/graph.py) as msal and
requests see it: admin consent, app tokens and their refusals, Graph's 401/403, licences,
throttling, paging, ConsistencyLevel, the headers and error shape of every answer, and drift."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import jwt
import msal
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from .graph import IDENTITY, INTUNE, SENSITIVE, contoso_complete, no_intune_licence

CONTOSO = "4f1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
FABRIKAM = "9a8b7c6d-5e4f-4321-8fed-cba987654321"
CLIENT_ID, SECRET = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "app~secret.of.the.portal"
CALLBACK = "https://portal.test/tenants/consent/callback"
GRAPH = "https://graph.microsoft.com/.default"


@pytest.fixture
def contoso(entra):
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK])
    return entra.add_tenant(contoso_complete(CONTOSO))


def msal_app(entra, tenant_id=CONTOSO, secret=SECRET, **transport):
    """msal as the portal configures it for one tenant, against the stand-in."""
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=secret,
        authority=f"{entra.url}/{tenant_id}",
        instance_discovery=False,
        validate_authority=False,
        **(transport or {"verify": entra.ca_path}),
    )


def token_for(entra, tenant_id=CONTOSO, **changes):
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    form["scope"] = GRAPH
    form.update(changes)
    url = f"{entra.url}/{tenant_id}/oauth2/v2.0/token"
    return requests.post(url, form, verify=entra.ca_path)


def graph(entra, path, token=None, **headers):
    if token is None:
        token = token_for(entra).json()["access_token"]
    headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{entra.url}/v1.0/{path}", headers=headers, verify=entra.ca_path)


def consent_page(entra, tenant="organizations", **changes):
    query = {"client_id": CLIENT_ID, "scope": GRAPH, "redirect_uri": CALLBACK, "state": "s-42"}
    url = f"{entra.url}/{tenant}/v2.0/adminconsent"
    return requests.get(url, {**query, **changes}, verify=entra.ca_path, allow_redirects=False)


def back(answer) -> dict:
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return dict(parse_qsl(location.query))


# Admin consent.


def test_an_admin_consents_and_is_sent_back_with_the_tenant(entra, contoso):
    entra.admin_consent_as(CONTOSO)
    query = back(consent_page(entra))
    assert query == {"admin_consent": "True", "tenant": CONTOSO, "scope": GRAPH, "state": "s-42"}
    consent = entra.consents[CONTOSO, CLIENT_ID]
    assert consent.permissions == tuple(SENSITIVE)


def test_an_admin_who_declines_is_sent_back_with_entras_refusal(entra, contoso):
    entra.refuse_admin_consent()
    query = back(consent_page(entra))
    assert query["error"] == "access_denied" and query["state"] == "s-42"
    assert query["error_description"].startswith("AADSTS65004: ")
    assert "admin_consent" not in query and not entra.consents
    assert token_for(entra).json()["error_codes"] == [700016]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_id": "not-registered"}, "AADSTS700016"),
        ({"redirect_uri": "https://x.test/"}, "AADSTS50011"),
    ],
)
def test_an_unknown_app_or_address_gets_an_error_page_not_a_redirect(entra, contoso, changes, code):
    entra.admin_consent_as(CONTOSO)
    page = consent_page(entra, **changes)
    assert page.status_code == 400 and code in page.text and "Location" not in page.headers
    assert not entra.consents


def test_an_admin_of_another_tenant_cannot_consent_for_this_one(entra, contoso):
    entra.add_tenant(no_intune_licence(FABRIKAM))
    entra.admin_consent_as(FABRIKAM)
    page = consent_page(entra, tenant=CONTOSO)
    assert page.status_code == 400 and "AADSTS50020" in page.text and not entra.consents
    assert back(consent_page(entra, tenant=FABRIKAM))["tenant"] == FABRIKAM


# Tokens.


@pytest.mark.parametrize("transport", ["verify", "http_client"])
def test_msal_gets_an_app_token_for_graph_and_keeps_it(entra, contoso, transport):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    session = requests.Session()
    session.verify = entra.ca_path
    app = msal_app(entra, **({"http_client": session} if transport == "http_client" else {}))

    result = app.acquire_token_for_client([GRAPH])

    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com" and claims["tid"] == CONTOSO
    assert claims["iss"] == f"https://sts.windows.net/{CONTOSO}/" and claims["appid"] == CLIENT_ID
    assert claims["roles"] == sorted(SENSITIVE) and claims["exp"] - claims["iat"] == 3599
    assert ("GET", f"/{CONTOSO}/v2.0/.well-known/openid-configuration") in entra.requests
    assert app.acquire_token_for_client([GRAPH])["token_source"] == "cache"
    assert [(r.tenant_id, r.client_id, r.status) for r in entra.token_requests] == [
        (CONTOSO, CLIENT_ID, 200)
    ]
    assert graph(entra, "organization", result["access_token"]).status_code == 200


def test_a_token_carries_the_permissions_consented_not_those_added_later(entra, contoso):
    entra.register_app(CLIENT_ID, SECRET, IDENTITY, [CALLBACK])
    entra.grant_consent(CONTOSO, CLIENT_ID)
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK])
    token = token_for(entra).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == sorted(IDENTITY)


@pytest.mark.parametrize(
    ("changes", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        (
            {"scope": "https://graph.microsoft.com/Organization.Read.All"},
            400,
            "invalid_scope",
            1002012,
        ),
        ({"scope": "https://vault.azure.net/.default"}, 400, "invalid_resource", 500011),
    ],
)
def test_a_bad_token_request_is_refused_as_entra_refuses_it(
    entra, contoso, changes, status, error, code
):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    answer = token_for(entra, **changes)
    assert answer.status_code == status
    body = answer.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= body.keys()
    assert entra.token_requests[-1].status == status


def test_a_tenant_without_consent_or_unknown_refuses_the_token(entra, contoso):
    unconsented = token_for(entra)
    assert unconsented.status_code == 400 and unconsented.json()["error"] == "unauthorized_client"
    assert unconsented.json()["error_codes"] == [700016]
    assert token_for(entra, FABRIKAM).json()["error_codes"] == [90002]
    result = msal_app(entra).acquire_token_for_client([GRAPH])
    assert result["error"] == "unauthorized_client" and result["error_codes"] == [700016]


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
