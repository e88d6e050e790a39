"""A customer tenant's facts as the Graph stand-in (tests/graph.py) serves them, and three
scenarios: a complete onboarding, a partial one, and a tenant without Intune.

Facts are plain attributes a test may change between two reads to cause drift: scalars for what
Graph shows as one value (`last_sync`, `mdm_authority`, `devices`) and lists of resources in
Graph's JSON shape (made by tests/graph_resources.py) for collections (`compliance_policies`,
...). Whether the tenant has Intune and Entra ID P1 follows from its SKUs, as at Microsoft: a
test that takes Intune away removes the SKU (or suspends it).
"""

import datetime
from dataclasses import dataclass, field

from .graph_resources import (
    GLOBAL_ADMINISTRATOR,
    INTUNE_ADMINISTRATOR,
    app_protection,
    built_in_apps,
    compliance_policy,
    conditional_access_policy,
    domain,
    federation,
    ident,
    mobile_app,
    now,
    role_assignment,
    sign_in,
    sku,
    terms_and_conditions,
)


@dataclass(eq=False)
class GraphTenant:
    tenant_id: str
    display_name: str
    domains: list = field(default_factory=list)
    skus: list = field(default_factory=list)
    sync_enabled: bool | None = None  # onPremisesSyncEnabled: null when sync was never on
    last_sync: datetime.datetime | None = None
    technical_mails: list = field(default_factory=list)
    security_mails: list = field(default_factory=list)
    mdm_authority: str = "unknown"  # unknown, intune, sccm, office365
    branding: dict | None = None  # None: Graph's 404, as when no default branding exists
    federations: dict = field(default_factory=dict)  # domain name: [internalDomainFederation]
    users: int = 0
    synced_users: int = 0
    devices: dict = field(default_factory=dict)  # "ios", "android", "windows", "macOS": count
    compliance_policies: list = field(default_factory=list)
    conditional_access_policies: list = field(default_factory=list)
    security_defaults: bool = False
    ios_app_protections: list = field(default_factory=list)
    android_app_protections: list = field(default_factory=list)
    terms_and_conditions: list = field(default_factory=list)
    role_assignments: list = field(default_factory=list)
    mobile_apps: list = field(default_factory=list)
    sign_ins: list = field(default_factory=list)
    # Collections longer than this answer a page at a time, as Graph does (its usual page is
    # 100; `$top` asks for smaller ones).
    page_size: int = 100
    created: datetime.datetime = field(default_factory=lambda: now() - datetime.timedelta(900))
    # How Intune refuses a tenant without its licence: 403 (Intune's wrapped "Forbidden") or
    # 400 ("Request not applicable to target tenant."); both are seen.
    unlicensed_status: int = 403

    def has_plan(self, plan: str) -> bool:
        """A service plan provisioned in an active subscription."""
        return any(
            bought["capabilityStatus"] == "Enabled"
            and any(
                service["servicePlanName"] == plan and service["provisioningStatus"] == "Success"
                for service in bought["servicePlans"]
            )
            for bought in self.skus
        )

    @property
    def intune_licensed(self) -> bool:
        return self.has_plan("INTUNE_A")

    @property
    def premium(self) -> bool:
        """Entra ID P1 (P2 includes it): sign-in logs through the API need it."""
        return self.has_plan("AAD_PREMIUM")

    @property
    def slug(self) -> str:
        return self.display_name.split()[0].lower()


def contoso_complete(tenant_id: str) -> GraphTenant:
    """Every check the portal makes holds: licences, sync 14 minutes ago, a federated domain,
    Intune with devices and policies on four platforms, conditional access, app protection,
    branding, terms, an Intune administrator, assigned apps among Microsoft's built-in ones."""
    tenant = GraphTenant(tenant_id, "Contoso Ltd")
    pilots = ident(tenant_id, "group", "FastTrack pilot")
    tenant.skus = [
        sku(tenant_id, tenant.display_name, "EMSPREMIUM", enabled=250, consumed=212),
        sku(tenant_id, tenant.display_name, "ENTERPRISEPACK", enabled=300, consumed=287),
    ]
    tenant.domains = [
        domain("contoso.onmicrosoft.com", initial=True),
        domain("contoso.com", default=True, federated=True),
    ]
    tenant.federations = {
        "contoso.com": [federation(tenant_id, "Contoso AD FS", "sts.contoso.com")],
    }
    tenant.sync_enabled, tenant.last_sync = True, now() - datetime.timedelta(minutes=14)
    tenant.technical_mails = ["it-admins@contoso.com"]
    tenant.security_mails = ["security@contoso.com"]
    tenant.mdm_authority = "intune"
    tenant.branding = branding("Contoso", "Sign in with your Contoso account")
    tenant.users, tenant.synced_users = 1320, 1250
    tenant.devices = {"ios": 2, "android": 2, "windows": 3, "macOS": 1}
    tenant.compliance_policies = [
        compliance_policy(tenant_id, platform, f"Pilot {platform} compliance", [pilots])
        for platform in ("ios", "androidWorkProfile", "windows10", "macOS")
    ]
    tenant.conditional_access_policies = [
        conditional_access_policy(tenant_id, "Require MFA for everyone", ["mfa"]),
        conditional_access_policy(
            tenant_id, "Compliant devices for the pilot", ["compliantDevice"], groups=[pilots]
        ),
        conditional_access_policy(
            tenant_id,
            "Approved apps on phones",
            ["approvedApplication", "compliantApplication"],
            groups=[pilots],
            platforms=["iOS", "android"],
        ),
    ]
    tenant.ios_app_protections = [app_protection(tenant_id, "ios", "Pilot iOS MAM", [pilots])]
    tenant.android_app_protections = [
        app_protection(tenant_id, "android", "Pilot Android MAM", [pilots])
    ]
    tenant.terms_and_conditions = [
        terms_and_conditions(
            tenant_id, "Contoso device terms", "Devices that reach Contoso data...", [pilots]
        )
    ]
    tenant.role_assignments = [
        role_assignment(tenant_id, GLOBAL_ADMINISTRATOR, ident(tenant_id, "user", "admin")),
        role_assignment(tenant_id, INTUNE_ADMINISTRATOR, ident(tenant_id, "user", "it-lead")),
    ]
    tenant.mobile_apps = [
        mobile_app(tenant_id, "iosStoreApp", "Contoso Expenses", [pilots]),
        mobile_app(tenant_id, "androidStoreApp", "Contoso Expenses Android", [pilots]),
        mobile_app(tenant_id, "webApp", "Contoso Intranet", [pilots]),
        mobile_app(tenant_id, "windowsMicrosoftEdgeApp", "Microsoft Edge", [pilots]),
        *built_in_apps(tenant_id, 120),
    ]
    tenant.sign_ins = [sign_in(tenant_id, "pilot@contoso.com")]
    return tenant


def northwind_partial(tenant_id: str) -> GraphTenant:
    """Half way: licences bought, but sync never on, a domain still unverified, one iOS device
    and one iOS policy, conditional access only reported, an unassigned app protection policy,
    no branding, no terms, no Intune administrator, no notification contacts."""
    tenant = GraphTenant(tenant_id, "Northwind Traders")
    tenant.skus = [sku(tenant_id, tenant.display_name, "EMS", enabled=50, consumed=3)]
    tenant.domains = [
        domain("northwind.onmicrosoft.com", initial=True, default=True),
        domain("northwindtraders.com", verified=False),
    ]
    tenant.mdm_authority = "intune"
    tenant.users = 12
    tenant.devices = {"ios": 1, "android": 0, "windows": 0, "macOS": 0}
    tenant.compliance_policies = [compliance_policy(tenant_id, "ios", "iOS baseline")]
    tenant.conditional_access_policies = [
        conditional_access_policy(
            tenant_id, "MFA (report only)", ["mfa"], state="enabledForReportingButNotEnforced"
        )
    ]
    tenant.security_defaults = True
    tenant.ios_app_protections = [app_protection(tenant_id, "ios", "iOS MAM draft", apps=0)]
    tenant.role_assignments = [
        role_assignment(tenant_id, GLOBAL_ADMINISTRATOR, ident(tenant_id, "user", "owner"))
    ]
    tenant.mobile_apps = built_in_apps(tenant_id, 40)
    tenant.sign_ins = [sign_in(tenant_id, "owner@northwindtraders.com")]
    return tenant


def no_intune_licence(tenant_id: str) -> GraphTenant:
    """Office only (no Intune, no Entra ID P1): Intune's routes and the sign-in logs refuse."""
    tenant = GraphTenant(tenant_id, "Fabrikam Inc")
    tenant.skus = [sku(tenant_id, tenant.display_name, "ENTERPRISEPACK", enabled=80, consumed=64)]
    tenant.domains = [
        domain("fabrikam.onmicrosoft.com", initial=True),
        domain("fabrikam.com", default=True),
    ]
    tenant.sync_enabled, tenant.last_sync = True, now() - datetime.timedelta(minutes=31)
    tenant.technical_mails = ["admin@fabrikam.com"]
    tenant.users, tenant.synced_users = 75, 70
    tenant.security_defaults = True
    tenant.role_assignments = [
        role_assignment(tenant_id, GLOBAL_ADMINISTRATOR, ident(tenant_id, "user", "admin"))
    ]
    return tenant


def branding(company: str, sign_in_text: str) -> dict:
    """The default (locale "0") sign-in page branding; images are relative to its CDNs."""
    path = f"{company.lower()}-branding/logintenantbranding/0"
    texts = ("customAccountResetCredentialsUrl", "customCannotAccessYourAccountText")
    texts += ("customCannotAccessYourAccountUrl", "customForgotMyPasswordText")
    texts += ("customPrivacyAndCookiesText", "customPrivacyAndCookiesUrl", "customResetItNowText")
    texts += ("customTermsOfUseText", "customTermsOfUseUrl", "customCSSRelativeUrl")
    texts += ("faviconRelativeUrl", "headerLogoRelativeUrl", "squareLogoDarkRelativeUrl")
    return {
        "id": "0",
        "backgroundColor": "#0B3D91",
        "backgroundImageRelativeUrl": f"{path}/illustration?ts=638000000000000000",
        "bannerLogoRelativeUrl": f"{path}/bannerlogo?ts=638000000000000000",
        "cdnList": ["aadcdn.msftauthimages.net", "aadcdn.msauthimages.net"],
        "headerBackgroundColor": None,
        "signInPageText": sign_in_text,
        "squareLogoRelativeUrl": f"{path}/tilelogo?ts=638000000000000000",
        "usernameHintText": f"someone@{company.lower()}.com",
        "contentCustomization": None,
        "loginPageLayoutConfiguration": None,
        "loginPageTextVisibilitySettings": None,
        **dict.fromkeys(texts),
    }
