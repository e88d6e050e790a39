"""The read permissions each tier's app registration holds, and why the portal asks for each:
what a customer's administrator reads before consenting. Application permissions, read-only;
the least privileged that Microsoft's page for each API lists."""

from django.utils.translation import gettext_lazy as _

from tenants.models import Tier

WHY = {
    "Organization.Read.All": _(
        "the tenant's name, directory synchronisation and the administrators' notification "
        "addresses"
    ),
    "LicenseAssignment.Read.All": _("the subscriptions bought and how many licences are assigned"),
    "Domain.Read.All": _("the verified domains and whether they are federated"),
    "Policy.Read.All": _("the conditional access policies and the security defaults"),
    "OrganizationalBranding.Read.All": _("whether the sign-in page carries the company's branding"),
    "RoleManagement.Read.Directory": _("whether someone holds the Intune Administrator role"),
    "DeviceManagementServiceConfig.Read.All": _("the MDM authority and the terms of use in Intune"),
    "DeviceManagementManagedDevices.Read.All": _(
        "how many devices are enrolled per operating system (counts only, no device names)"
    ),
    "DeviceManagementConfiguration.Read.All": _("the device compliance policies per platform"),
    "DeviceManagementApps.Read.All": _("the app protection policies and the apps assigned"),
    "User.Read.All": _("how many users are synchronised from the on-premises directory (a count)"),
    "AuditLog.Read.All": _(
        "whether the sign-in reports are available (one sign-in is read, not kept)"
    ),
}

IDENTITY = (
    "Organization.Read.All",
    "LicenseAssignment.Read.All",
    "Domain.Read.All",
    "Policy.Read.All",
    "OrganizationalBranding.Read.All",
    "RoleManagement.Read.Directory",
)
INTUNE = IDENTITY + (
    "DeviceManagementServiceConfig.Read.All",
    "DeviceManagementManagedDevices.Read.All",
    "DeviceManagementConfiguration.Read.All",
    "DeviceManagementApps.Read.All",
)
SENSITIVE = INTUNE + ("User.Read.All", "AuditLog.Read.All")

TIER_PERMISSIONS = {Tier.IDENTITY: IDENTITY, Tier.INTUNE: INTUNE, Tier.SENSITIVE: SENSITIVE}


def tier_permissions(tier: str) -> list[tuple[str, str]]:
    """(permission, why) for each permission the tier's consent grants."""
    return [(name, WHY[name]) for name in TIER_PERMISSIONS[tier]]
