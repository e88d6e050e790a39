"""Every answer of the Graph stand-in, in every scenario, has the shape Graph's published v1.0
metadata gives its type: each property exists on the type (or on the derived type its
@odata.type names), nothing non-nullable is null, enumeration values are members, nested values
fit their own types. The types come from tests/graph_types.py's extract of the metadata."""

import json
import math

import pytest
import requests

from .graph import SENSITIVE, contoso_complete, no_intune_licence, northwind_partial
from .graph_resources import INTUNE_ADMINISTRATOR
from .graph_types import Shapes, default_path
from .tenant_sandbox import sandbox_tenant

TENANT = "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e"
CLIENT_ID, SECRET = "7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a", "shape~secret"
SCENARIOS = [contoso_complete, northwind_partial, no_intune_licence, sandbox_tenant]
# Each read the portal makes, and the type its answer (or its `value`) has.
READS = [
    ("organization", "Collection(microsoft.graph.organization)"),
    ("organization/{tid}?$select=mobileDeviceManagementAuthority", "microsoft.graph.organization"),
    ("organization/{tid}/branding", "microsoft.graph.organizationalBranding"),
    ("subscribedSkus", "Collection(microsoft.graph.subscribedSku)"),
    ("domains", "Collection(microsoft.graph.domain)"),
    ("domains/{domain}", "microsoft.graph.domain"),
    (
        "domains/{domain}/federationConfiguration",
        "Collection(microsoft.graph.internalDomainFederation)",
    ),
    ("deviceManagement/managedDeviceOverview", "microsoft.graph.managedDeviceOverview"),
    (
        "deviceManagement/deviceCompliancePolicies?$expand=assignments",
        "Collection(microsoft.graph.deviceCompliancePolicy)",
    ),
    ("identity/conditionalAccess/policies", "Collection(microsoft.graph.conditionalAccessPolicy)"),
    (
        "policies/identitySecurityDefaultsEnforcementPolicy",
        "microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
    ),
    (
        "deviceAppManagement/iosManagedAppProtections?$expand=assignments",
        "Collection(microsoft.graph.iosManagedAppProtection)",
    ),
    (
        "deviceAppManagement/androidManagedAppProtections?$expand=assignments",
        "Collection(microsoft.graph.androidManagedAppProtection)",
    ),
    (
        "deviceManagement/termsAndConditions?$expand=assignments",
        "Collection(microsoft.graph.termsAndConditions)",
    ),
    ("auditLogs/signIns?$top=1", "Collection(microsoft.graph.signIn)"),
    (
        "roleManagement/directory/roleAssignments"
        f"?$filter=roleDefinitionId eq '{INTUNE_ADMINISTRATOR}'",
        "Collection(microsoft.graph.unifiedRoleAssignment)",
    ),
    ("deviceAppManagement/mobileApps?$expand=assignments", "Collection(microsoft.graph.mobileApp)"),
]


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    path = default_path()
    if path is None:
        pytest.skip(
            "No extract of Graph's v1.0 metadata: python -m tests.graph_types "
            "path/to/clean_v10_metadata/cleanMetadata.xml (see tests/graph_types.py)"
        )
    return Shapes(json.loads(path.read_text(encoding="utf-8")))


def session_for(entra, scenario):
    tenant = entra.add_tenant(scenario(TENANT))
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, ["https://portal.test/callback"])
    entra.grant_consent(TENANT, CLIENT_ID)
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    form["scope"] = "https://graph.microsoft.com/.default"
    url = f"{entra.url}/{TENANT}/oauth2/v2.0/token"
    token = requests.post(url, form, verify=entra.ca_path).json()["access_token"]
    session = requests.Session()
    session.verify = entra.ca_path
    session.headers.update(Authorization=f"Bearer {token}", ConsistencyLevel="eventual")
    return tenant, session


def pages(session, url):
    """Every page of an answer, following @odata.nextLink as it is."""
    while url:
        answer = session.get(url)
        yield answer
        url = answer.json().get("@odata.nextLink") if answer.ok else None


INTUNE_READS = {read for read, _kind in READS if read.startswith("device")}
INTUNE_READS.add("organization/{tid}?$select=mobileDeviceManagementAuthority")
REFUSED = {  # the reads each scenario refuses: no branding, no Intune, no P1
    "contoso_complete": set(),
    "sandbox_tenant": set(),
    "northwind_partial": {"organization/{tid}/branding"},
    "no_intune_licence": {"organization/{tid}/branding", "auditLogs/signIns?$top=1"} | INTUNE_READS,
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_every_answer_has_its_types_shape(entra, shapes, scenario):
    tenant, session = session_for(entra, scenario)
    domain = next(domain["id"] for domain in tenant.domains if not domain["isInitial"])
    refused, pages_checked = set(), 0
    for read, kind in READS:
        url = f"{entra.url}/v1.0/" + read.format(tid=TENANT, domain=domain)
        for answer in pages(session, url):
            body = answer.json()
            if not answer.ok:  # refusals have Graph's error shape (test_graph_standin.py)
                assert set(body) == {"error"}, url
                refused.add(read)
                continue
            value = body["value"] if kind.startswith("Collection(") else body
            assert shapes.problems(value, kind) == [], url
            assert body["@odata.context"].startswith(f"{entra.url}/v1.0/$metadata#")
            pages_checked += 1
    assert refused == REFUSED[scenario.__name__]
    # The apps (with Microsoft's built-in ones) may come in more than one page.
    more_pages = max(0, math.ceil(len(tenant.mobile_apps) / tenant.page_size) - 1)
    assert pages_checked == len(READS) - len(refused) + more_pages


def test_a_scenario_can_hold_more_than_its_builders_made(entra, shapes):
    """The tenant's facts are what the routes serve: what a test appends is checked too."""
    tenant, session = session_for(entra, contoso_complete)
    tenant.compliance_policies[0]["passcodeRequiredType"] = "fingerprint"
    url = f"{entra.url}/v1.0/deviceManagement/deviceCompliancePolicies"
    problems = shapes.problems(session.get(url).json()["value"], READS[8][1])
    assert problems == [
        "$[0].passcodeRequiredType: ['fingerprint'] not among "
        "microsoft.graph.requiredPasswordType's members"
    ]


@pytest.mark.parametrize(
    ("value", "kind", "problem"),
    [
        (
            {"id": "x", "displayName": "Contoso", "colour": "blue"},
            "microsoft.graph.organization",
            "no such property",
        ),
        (
            {"id": "x", "mobileDeviceManagementAuthority": "jamf"},
            "microsoft.graph.organization",
            "not among",
        ),
        ({"id": "x", "verifiedDomains": None}, "microsoft.graph.organization", "not nullable"),
        (
            {"id": "x", "onPremisesSyncEnabled": "true"},
            "microsoft.graph.organization",
            "is not Edm.Boolean",
        ),
        (
            {"id": "x", "createdDateTime": "06/12/2026"},
            "microsoft.graph.organization",
            "is not Edm.DateTimeOffset",
        ),
        (
            {"@odata.type": "#microsoft.graph.domain", "id": "x"},
            "microsoft.graph.mobileApp",
            "is not a",
        ),
        ({"id": "x", "displayName": "Apps"}, "microsoft.graph.mobileApp", "abstract"),
        (
            {"@odata.type": "#microsoft.graph.webApp", "id": "x", "bundleId": "com.example"},
            "microsoft.graph.mobileApp",
            "no such property on microsoft.graph.webApp",
        ),
        (
            [{"id": "x", "skuId": "not-a-guid"}],
            "Collection(microsoft.graph.subscribedSku)",
            "is not Edm.Guid",
        ),
        (
            {
                "id": "x",
                "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "group": "g"},
            },
            "microsoft.graph.deviceCompliancePolicyAssignment",
            "no such property",
        ),
    ],
)
def test_the_shape_check_catches_what_graph_would_not_send(shapes, value, kind, problem):
    found = shapes.problems(value, kind)
    assert len(found) == 1 and problem in found[0]


def test_the_extract_knows_every_type_the_stand_in_names(entra, shapes):
    tenant = contoso_complete(TENANT)
    named = {
        item["@odata.type"][1:]
        for facts in vars(tenant).values()
        if isinstance(facts, list)
        for item in facts
        if isinstance(item, dict) and "@odata.type" in item
    }
    assert named and named <= shapes.types.keys()
