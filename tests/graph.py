"""A stand-in for Microsoft Graph v1.0, for the tests: the reads the portal makes of a customer's
tenant, answered from that tenant's facts (tests/graph_tenants.py) by the Entra stand-in's own
HTTPS server (tests/entra.py) under /v1.0/.

It checks what Graph checks, in Graph's order: the bearer token (Entra's signature, audience,
lifetime, and a consent still in force: else 401), the tenant's throttling (429 or 503 with
Retry-After, as `entra.throttle` asks), the route, the application permission in the token's
roles (else 403), the tenant's licences (Intune's routes, sign-in logs), then the query. Answers
carry Graph's headers (request-id, client-request-id, Date) and its error shape. Query options
are taken where Graph takes them on that route and refused elsewhere (stricter than Graph, which
ignores some), so the portal cannot come to rely on one Graph would not honour.
"""

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import jwt

from .entra_apps import Recorded
from .graph_answers import NOT_FOUND, GraphAnswers, GraphError
from .graph_resources import now
from .graph_tenants import (  # noqa: F401 (the tests build tenants from here)
    GraphTenant,
    contoso_complete,
    no_intune_licence,
    northwind_partial,
)

JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false"
JSON += ";charset=utf-8"
# The permission tiers a customer may consent to: identity; identity and Intune; both and the
# sensitive reads (every user's profile, the sign-in logs).
IDENTITY = ["Organization.Read.All", "LicenseAssignment.Read.All", "Domain.Read.All"]
IDENTITY += ["Policy.Read.All", "OrganizationalBranding.Read.All", "RoleManagement.Read.Directory"]
INTUNE = IDENTITY + ["DeviceManagementServiceConfig.Read.All"]
INTUNE += ["DeviceManagementManagedDevices.Read.All", "DeviceManagementConfiguration.Read.All"]
INTUNE += ["DeviceManagementApps.Read.All"]
SENSITIVE = INTUNE + ["User.Read.All", "AuditLog.Read.All"]
# Graph's own application id, which names it in a 401's WWW-Authenticate.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass(frozen=True)
class Route:
    pattern: str  # a regular expression for the path after /v1.0/
    answer: str  # the GraphApi method that answers
    permission: str  # the least privileged application permission
    options: str = "$select"  # the query options Graph takes there
    intune: bool = False  # served by Intune: the tenant needs its licence
    kind: str = ""  # the entity type, for refusals that name it
    filters: str = ""  # the properties `$filter=name eq value` may name


DIRECTORY_WIDE = {"Organization.Read.All", "Domain.Read.All", "User.Read.All"}
DIRECTORY_WIDE |= {"LicenseAssignment.Read.All", "RoleManagement.Read.Directory"}
ROUTES = [
    Route(r"organization", "organization", "Organization.Read.All", kind="organization"),
    Route(
        r"organization/([^/]+)", "organization_one", "Organization.Read.All", kind="organization"
    ),
    Route(r"organization/([^/]+)/branding", "branding", "OrganizationalBranding.Read.All"),
    Route(r"subscribedSkus", "subscribed_skus", "LicenseAssignment.Read.All", kind="subscribedSku"),
    Route(r"domains", "domains", "Domain.Read.All", "$select $top", kind="domain"),
    Route(r"domains/([^/]+)", "domain", "Domain.Read.All", kind="domain"),
    Route(r"domains/([^/]+)/federationConfiguration", "federation", "Domain.Read.All"),
    Route(r"users/\$count", "user_count", "User.Read.All", "$filter $search", kind="user"),
    Route(
        r"deviceManagement/managedDeviceOverview",
        "device_overview",
        "DeviceManagementManagedDevices.Read.All",
        intune=True,
    ),
    Route(
        r"deviceManagement/deviceCompliancePolicies",
        "compliance_policies",
        "DeviceManagementConfiguration.Read.All",
        "$select $expand $top $filter",
        intune=True,
        kind="deviceCompliancePolicy",
    ),
    Route(
        r"identity/conditionalAccess/policies",
        "conditional_access",
        "Policy.Read.All",
        "$select $filter",
        kind="conditionalAccessPolicy",
    ),
    Route(r"policies/identitySecurityDefaultsEnforcementPolicy", "defaults", "Policy.Read.All"),
    Route(
        r"deviceAppManagement/(ios|android)ManagedAppProtections",
        "app_protections",
        "DeviceManagementApps.Read.All",
        "$select $expand $top $filter",
        intune=True,
        kind="targetedManagedAppProtection",
    ),
    Route(
        r"deviceManagement/termsAndConditions",
        "terms",
        "DeviceManagementServiceConfig.Read.All",
        "$select $expand $top $filter",
        intune=True,
        kind="termsAndConditions",
    ),
    Route(
        r"auditLogs/signIns",
        "sign_ins",
        "AuditLog.Read.All",
        "$top $filter",
        kind="signIn",
        filters="userPrincipalName",
    ),
    Route(
        r"roleManagement/directory/roleAssignments",
        "role_assignments",
        "RoleManagement.Read.Directory",
        "$select $filter $top",
        kind="unifiedRoleAssignment",
        filters="roleDefinitionId principalId",
    ),
    Route(
        r"deviceAppManagement/mobileApps",
        "mobile_apps",
        "DeviceManagementApps.Read.All",
        "$select $expand $top $filter",
        intune=True,
        kind="mobileApp",
    ),
]
FIRST_SEGMENTS = {route.pattern.split("/")[0] for route in ROUTES}
# Collections whose members are addressed by id: an unknown id there is a 404, not a bad segment.
KEYED = {route.pattern.split("/")[0] for route in ROUTES if route.pattern.endswith("/([^/]+)")}


class GraphApi(GraphAnswers):
    """Graph's answers, for the Entra stand-in that serves them (`entra`)."""

    def __init__(self, entra):
        self.entra = entra

    @property
    def root(self) -> str:
        return f"{self.entra.base_url}/v1.0"

    def answer(self, method: str, url: str, headers):
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        ids = {"request-id": str(uuid.uuid4())}
        ids["client-request-id"] = headers.get("client-request-id") or ids["request-id"]
        record = Recorded(method, url, None, 200, dict(headers))
        self.entra.graph_requests.append(record)
        try:
            status, extra, body = self.serve(
                method, parts.path[len("/v1.0/") :], query, headers, record
            )
        except GraphError as error:
            status, extra = error.status, error.headers
            inner = {"date": now().strftime("%Y-%m-%dT%H:%M:%S"), **ids}
            body = {"error": {"code": error.code, "message": str(error), "innerError": inner}}
        record.status = status
        answer_headers = {**ids, "Strict-Transport-Security": "max-age=31536000", **extra}
        answer_headers["x-ms-ags-diagnostic"] = json.dumps(
            {"ServerInfo": {"DataCenter": "Stand-in"}}
        )
        if isinstance(body, str):
            return status, {"Content-Type": "text/plain", **answer_headers}, body.encode()
        answer_headers.update({"Content-Type": JSON, "OData-Version": "4.0"})
        return status, answer_headers, json.dumps(body).encode()

    def serve(self, method, path, query, headers, record):
        claims = self.authenticated(headers)
        tenant = self.entra.graph_tenants.get(claims["tid"])
        if tenant is None:  # the test consented for a tenant it gave no facts
            message = f"Stand-in: no facts for tenant {claims['tid']} (entra.add_tenant)"
            raise GraphError(500, "generalException", message)
        record.tenant_id, record.client_id = tenant.tenant_id, claims["appid"]
        throttled = self.entra.take_throttle(tenant.tenant_id)
        if throttled:
            retry_after, status = throttled
            code, message = {429: ("TooManyRequests", "Too many requests.")}.get(
                status, ("serviceNotAvailable", "The service is temporarily unavailable.")
            )
            raise GraphError(status, code, message, {"Retry-After": str(retry_after)})
        route, match = self.route(path)
        if method != "GET":
            raise GraphError(
                405,
                "Request_BadRequest",
                "Specified HTTP method is not allowed for the request target.",
            )
        options = dict(query)
        intune = self.check_permission(route, claims.get("roles", []), options)
        if intune and not tenant.intune_licensed:
            raise self.unlicensed(tenant)
        for name in options:
            if name not in route.options.split() + ["$skiptoken"]:
                raise GraphError(
                    400, "BadRequest", f"The query parameter '{name}' is not supported."
                )
        return getattr(self, route.answer)(tenant, match, options, headers, route)

    def authenticated(self, headers) -> dict:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        challenge = (
            f'Bearer realm="", authorization_uri="{self.entra.base_url}/common/oauth2/authorize"'
        )
        challenge += f', client_id="{GRAPH_APP_ID}"'
        if scheme.lower() != "bearer" or not token:
            raise GraphError(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                {"WWW-Authenticate": challenge},
            )
        try:
            return self.entra.token_claims(token)
        except jwt.InvalidTokenError as refusal:
            raise GraphError(
                401, "InvalidAuthenticationToken", str(refusal), {"WWW-Authenticate": challenge}
            ) from refusal

    def route(self, path: str):
        for route in ROUTES:
            match = re.fullmatch(route.pattern, path)
            if match:
                return route, match
        segments = path.split("/")
        if segments[0] in KEYED and len(segments) == 2:
            raise GraphError(404, "Request_ResourceNotFound", NOT_FOUND.format(segments[1]))
        unknown = next((s for s in segments if s not in FIRST_SEGMENTS), segments[-1])
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{unknown}'.")

    def check_permission(self, route: Route, roles, options) -> bool:
        """Refuses a token without the route's permission; says whether Intune answers."""
        permission, intune = route.permission, route.intune
        # The MDM authority is Intune's to tell: reading it needs Intune's permission and licence.
        if "mobileDeviceManagementAuthority" in options.get("$select", "").split(","):
            permission, intune = "DeviceManagementServiceConfig.Read.All", True
        broader = permission.replace(".Read.", ".ReadWrite.")
        accepted = {permission, broader}
        accepted |= {"Directory.Read.All"} if permission in DIRECTORY_WIDE else set()
        if accepted & set(roles):
            return intune
        if intune:
            reason = "Application is not authorized to perform this operation. Application must "
            reason += f"have one of the following scopes: {permission}, {broader}"
            raise GraphError(403, "Forbidden", intune_message(reason))
        message = "Insufficient privileges to complete the operation."
        raise GraphError(403, "Authorization_RequestDenied", message)

    def unlicensed(self, tenant) -> GraphError:
        if tenant.unlicensed_status == 400:
            return GraphError(400, "BadRequest", "Request not applicable to target tenant.")
        realm = f'Bearer realm="urn:intune:service,{tenant.tenant_id}"'
        wrapped = {"ErrorCode": "Forbidden"}
        wrapped["Message"] = intune_message(
            "An error has occurred", json.dumps({"WWW-Authenticate": realm})
        )
        wrapped.update(Target=None, Details=None, InnerError=None, InstanceAnnotations=[])
        return GraphError(403, "UnknownError", json.dumps(wrapped, separators=(",", ":")))


def intune_message(reason: str, http_headers: str = "{}") -> str:
    """Intune's refusals travel as a JSON document inside Graph's message."""
    activity = uuid.uuid4()
    message = f"{reason} - Operation ID (for customer support): {uuid.UUID(int=0)} - "
    message += (
        f"Activity ID: {activity} - Url: https://fef.msub02.manage.microsoft.com/StatelessStandIn"
    )
    document = {"_version": 3, "Message": message, "CustomApiErrorPhrase": ""}
    document.update(RetryAfter=None, ErrorSourceService="", HttpHeaders=http_headers)
    return json.dumps(document, indent=2).replace("\n", "\r\n")
