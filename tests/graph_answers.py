"""What the Graph stand-in (tests/graph.py) answers on each route, from a tenant's facts, and the
OData query options it honours there ($select, $expand=assignments, `prop eq value` filters,
$top, paging by an absolute @odata.nextLink with a $skiptoken)."""

import base64
import json
import re
from urllib.parse import quote, urlencode

from .graph_resources import iso

NOT_FOUND = "Resource '{0}' does not exist or one of its queried reference-property objects "
NOT_FOUND += "are not present."
SECURITY_DEFAULTS_ID = "00000000-0000-0000-0000-000000000005"
NO_CONSISTENCY = (
    "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is "
    "missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)
# The service a plan belongs to, as an organization's assigned plans name it.
SERVICES = {
    "INTUNE_A": "SCO",
    "AAD_PREMIUM": "AADPremiumService",
    "AAD_PREMIUM_P2": "AADPremiumService",
    "MFA_PREMIUM": "MultiFactorService",
    "RMS_S_ENTERPRISE": "RMSOnline",
    "RMS_S_PREMIUM": "RMSOnline",
    "EXCHANGE_S_ENTERPRISE": "exchange",
    "SHAREPOINTENTERPRISE": "SharePoint",
}
FILTER = re.compile(r"\s*(\w+)\s+eq\s+(?:'([^']*)'|(true|false)|(-?\d+))\s*")


class GraphError(Exception):
    """A refusal, in Graph's words: the status, Graph's code, its message (and headers)."""

    def __init__(self, status: int, code: str, message: str, headers=None):
        super().__init__(message)
        self.status, self.code, self.headers = status, code, headers or {}


def graph_error(status, code, message) -> GraphError:
    return GraphError(status, code, message)


class GraphAnswers:
    """The routes' answers; `root` is the stand-in's /v1.0 address."""

    def organization(self, tenant, match, options, headers, route):
        return self.collection(
            "organization", [self.organization_of(tenant)], tenant, options, route
        )

    def organization_one(self, tenant, match, options, headers, route):
        if match[1] != tenant.tenant_id:
            raise graph_error(404, "Request_ResourceNotFound", NOT_FOUND.format(match[1]))
        item = self.organization_of(tenant)
        item["mobileDeviceManagementAuthority"] = tenant.mdm_authority
        if "$select" not in options:  # Intune's property comes only when asked for
            del item["mobileDeviceManagementAuthority"]
        return self.entity("organization", item, options)

    def organization_of(self, tenant) -> dict:
        enabled = [sku for sku in tenant.skus if sku["capabilityStatus"] == "Enabled"]
        plans = [plan for sku in enabled for plan in sku["servicePlans"]]
        assigned = [
            {"assignedDateTime": iso(tenant.created), "capabilityStatus": "Enabled"}
            | {"service": SERVICES.get(plan["servicePlanName"], plan["servicePlanName"])}
            | {"servicePlanId": plan["servicePlanId"]}
            for plan in plans
        ]
        provisioned = [
            {
                "capabilityStatus": "Enabled",
                "provisioningStatus": "Success",
                "service": plan["service"],
            }
            for plan in assigned
        ]
        verified = [
            {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": domain["isDefault"]}
            | {"isInitial": domain["isInitial"], "name": domain["id"]}
            | {"type": domain["authenticationType"]}
            for domain in tenant.domains
            if domain["isVerified"]
        ]
        return {
            "id": tenant.tenant_id,
            "deletedDateTime": None,
            "businessPhones": ["+55 11 5555 0100"],
            "city": "Sao Paulo",
            "country": None,
            "countryLetterCode": "BR",
            "createdDateTime": iso(tenant.created),
            "defaultUsageLocation": None,
            "displayName": tenant.display_name,
            "marketingNotificationEmails": [],
            "onPremisesLastSyncDateTime": tenant.last_sync and iso(tenant.last_sync),
            "onPremisesSyncEnabled": tenant.sync_enabled,
            "partnerTenantType": None,
            "postalCode": "04538-132",
            "preferredLanguage": "pt",
            "privacyProfile": None,
            "securityComplianceNotificationMails": list(tenant.security_mails),
            "securityComplianceNotificationPhones": [],
            "state": "SP",
            "street": "Avenida Exemplo, 100",
            "technicalNotificationMails": list(tenant.technical_mails),
            "tenantType": "AAD",
            "assignedPlans": assigned,
            "provisionedPlans": provisioned,
            "verifiedDomains": verified,
        }

    def branding(self, tenant, match, options, headers, route):
        if match[1] != tenant.tenant_id:
            raise graph_error(404, "Request_ResourceNotFound", NOT_FOUND.format(match[1]))
        if tenant.branding is None:
            raise graph_error(404, "Request_ResourceNotFound", NOT_FOUND.format("branding"))
        return self.entity("branding", dict(tenant.branding), options)

    def subscribed_skus(self, tenant, match, options, headers, route):
        return self.collection("subscribedSkus", tenant.skus, tenant, options, route)

    def domains(self, tenant, match, options, headers, route):
        return self.collection("domains", tenant.domains, tenant, options, route)

    def domain(self, tenant, match, options, headers, route):
        return self.entity("domains", self.domain_named(tenant, match[1]), options)

    def federation(self, tenant, match, options, headers, route):
        name = self.domain_named(tenant, match[1])["id"]
        items = tenant.federations.get(name, [])
        return self.collection(
            f"domains('{name}')/federationConfiguration", items, tenant, options, route
        )

    def domain_named(self, tenant, name: str) -> dict:
        for domain in tenant.domains:
            if domain["id"].lower() == name.lower():
                return dict(domain)
        raise graph_error(404, "Request_ResourceNotFound", NOT_FOUND.format(name))

    def user_count(self, tenant, match, options, headers, route):
        if (headers.get("ConsistencyLevel") or "").lower() != "eventual":
            raise graph_error(400, "Request_UnsupportedQuery", NO_CONSISTENCY)
        if "$filter" not in options:
            return 200, {}, str(tenant.users)
        if re.sub(r"\s+", " ", options["$filter"].strip()) != "onPremisesSyncEnabled eq true":
            message = "Unsupported or invalid query filter clause specified for property "
            raise graph_error(400, "Request_UnsupportedQuery", message + "of resource 'User'.")
        return 200, {}, str(tenant.synced_users)

    def device_overview(self, tenant, match, options, headers, route):
        counts = {f"{system}Count": tenant.devices.get(system, 0) for system in ("ios", "android")}
        counts.update(
            {f"{system}Count": tenant.devices.get(system, 0) for system in ("windows", "macOS")}
        )
        summary = dict.fromkeys(
            ["androidCorporateWorkProfileCount", "androidDedicatedCount", "androidDeviceAdminCount"]
            + ["androidFullyManagedCount", "configMgrDeviceCount", "unknownCount"]
            + ["windowsMobileCount"],
            0,
        )
        summary.update(counts, androidWorkProfileCount=counts["androidCount"])
        enrolled = sum(counts.values())
        exchange = dict.fromkeys(["blockedDeviceCount", "quarantinedDeviceCount"], 0)
        exchange.update(allowedDeviceCount=enrolled, unavailableDeviceCount=0, unknownDeviceCount=0)
        item = {"@odata.type": "#microsoft.graph.managedDeviceOverview", "id": tenant.tenant_id}
        item.update(enrolledDeviceCount=enrolled, mdmEnrolledCount=enrolled)
        item.update(dualEnrolledDeviceCount=0, deviceOperatingSystemSummary=summary)
        item["deviceExchangeAccessStateSummary"] = exchange
        return self.entity("deviceManagement/managedDeviceOverview", item, options)

    def compliance_policies(self, tenant, match, options, headers, route):
        path = "deviceManagement/deviceCompliancePolicies"
        return self.collection(path, tenant.compliance_policies, tenant, options, route)

    def conditional_access(self, tenant, match, options, headers, route):
        path = "identity/conditionalAccess/policies"
        return self.collection(path, tenant.conditional_access_policies, tenant, options, route)

    def defaults(self, tenant, match, options, headers, route):
        item = {"id": SECURITY_DEFAULTS_ID, "displayName": "Security Defaults"}
        item["description"] = (
            "Security defaults is a set of basic identity security mechanisms recommended by "
            "Microsoft. When enabled, they are enforced in the whole organization."
        )
        item["isEnabled"] = tenant.security_defaults
        return self.entity("policies/identitySecurityDefaultsEnforcementPolicy", item, options)

    def app_protections(self, tenant, match, options, headers, route):
        items = getattr(tenant, f"{match[1]}_app_protections")
        path = f"deviceAppManagement/{match[1]}ManagedAppProtections"
        return self.collection(path, items, tenant, options, route)

    def terms(self, tenant, match, options, headers, route):
        path = "deviceManagement/termsAndConditions"
        return self.collection(path, tenant.terms_and_conditions, tenant, options, route)

    def sign_ins(self, tenant, match, options, headers, route):
        if not tenant.premium:
            message = "Neither tenant is B2C or tenant doesn't have premium license"
            raise graph_error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", message)
        items = sorted(tenant.sign_ins, key=lambda event: event["createdDateTime"], reverse=True)
        return self.collection("auditLogs/signIns", items, tenant, options, route)

    def role_assignments(self, tenant, match, options, headers, route):
        path = "roleManagement/directory/roleAssignments"
        return self.collection(path, tenant.role_assignments, tenant, options, route)

    def mobile_apps(self, tenant, match, options, headers, route):
        path = "deviceAppManagement/mobileApps"
        return self.collection(path, tenant.mobile_apps, tenant, options, route)

    # OData.

    def entity(self, path: str, item: dict, options):
        selected = self.selected([item], options)
        context = f"{self.root}/$metadata#{path}{selected}/$entity"
        return 200, {}, {"@odata.context": context, **self.shaped(item, options)}

    def collection(self, path: str, items, tenant, options, route):
        matching = self.filtered(items, options, route)
        selected = self.selected(matching, options)
        if options.get("$expand", "assignments") != "assignments":
            kind = f"microsoft.graph.{route.kind}"
            message = f"Could not find a property named '{options['$expand']}' on type '{kind}'."
            raise graph_error(
                400, "BadRequest", f"Parsing OData Select and Expand failed: {message}"
            )
        items = [self.shaped(item, options) for item in matching]
        for item in items:
            if "$expand" in options and "assignments" in item:
                item["assignments@odata.context"] = (
                    f"{self.root}/$metadata#{path}('{item['id']}')/assignments"
                )
        offset = json.loads(base64.urlsafe_b64decode(options.get("$skiptoken", "WzBd")))[0]
        size = tenant.page_size
        if "$top" in options:
            if not options["$top"].isdigit() or not 0 < int(options["$top"]) <= 999:
                raise graph_error(400, "BadRequest", "Invalid value for $top query option.")
            size = min(size, int(options["$top"]))
        expanded = "(assignments())" if "$expand" in options else ""
        context = f"{self.root}/$metadata#{path}{selected or expanded}"
        body = {"@odata.context": context, "value": items[offset : offset + size]}
        if offset + size < len(items):
            token = base64.urlsafe_b64encode(json.dumps([offset + size]).encode()).decode()
            following = {name: value for name, value in options.items() if name != "$skiptoken"}
            query = urlencode({**following, "$skiptoken": token}, safe="$(),'", quote_via=quote)
            body["@odata.nextLink"] = f"{self.root}/{path}?{query}"
        return 200, {}, body

    def selected(self, items, options) -> str:
        if "$select" not in options:
            return ""
        names = [name.strip() for name in options["$select"].split(",") if name.strip()]
        known = {key for item in items for key in item if key != "assignments"}
        unknown = [name for name in names if known and name not in known]
        if unknown:
            raise graph_error(400, "BadRequest", f"Could not find a property named '{unknown[0]}'.")
        return f"({','.join(names)})"

    def shaped(self, item: dict, options) -> dict:
        """The item as the options ask: assignments only when expanded, only what is selected."""
        shaped = {key: value for key, value in item.items() if key != "assignments"}
        if "$expand" in options and "assignments" in item:
            shaped["assignments"] = item["assignments"]
        if "$select" in options:
            names = {name.strip() for name in options["$select"].split(",")}
            names |= {"@odata.type", "assignments"}
            shaped = {key: value for key, value in shaped.items() if key in names}
        return shaped

    def filtered(self, items, options, route) -> list:
        if "$filter" not in options:
            return list(items)
        clause = FILTER.fullmatch(options["$filter"])
        kind = f"microsoft.graph.{route.kind}"
        if clause is None:
            raise graph_error(400, "BadRequest", f"Invalid filter clause: {options['$filter']}")
        name, text, boolean, number = clause.groups()
        if name not in route.filters.split():
            known = {key for item in items for key in item}
            if name in known:
                message = (
                    f"Unsupported or invalid query filter clause specified for property '{name}'"
                )
                raise graph_error(
                    400, "Request_UnsupportedQuery", f"{message} of resource '{route.kind}'."
                )
            message = f"Could not find a property named '{name}' on type '{kind}'."
            raise graph_error(400, "BadRequest", f"Invalid filter clause: {message}")
        wanted = text if text is not None else (boolean == "true" if boolean else int(number or 0))
        return [item for item in items if item.get(name) == wanted]
