"""What the tenant tests share: the portal's three app registrations at the stand-in of Entra
and Graph (tests/entra.py), and an engagement connected to a scenario's tenant."""

import uuid

from django.utils import timezone

from tenants.models import ConnectionState, TenantConnection, Tier
from tenants.permissions import TIER_PERMISSIONS

CONSENT_CALLBACK = "http://testserver/tenant/consent/"


def app_id(tier: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fasttrack-portal/{tier}"))


def point_at(entra, settings, callbacks=(CONSENT_CALLBACK,)):
    """The portal's settings aimed at the stand-in, and its app registrations made there,
    sending administrators back to `callbacks` (the test client's, or a live server's)."""
    settings.ENTRA_AUTHORITY_HOST = entra.base_url
    settings.ENTRA_CA_FILE = str(entra.ca_path)
    settings.GRAPH_API_BASE = entra.base_url
    settings.TENANT_APPS = {
        tier: {"client_id": app_id(tier), "secret": f"secret-of-{tier}-tier", "certificate": ""}
        for tier in Tier.values
    }
    for tier in Tier.values:
        entra.register_app(
            app_id(tier), f"secret-of-{tier}-tier", TIER_PERMISSIONS[tier], list(callbacks)
        )
    return entra


def connect(entra, engagement, tenant, *, by, tier=Tier.SENSITIVE) -> TenantConnection:
    """The engagement connected to `tenant` as if its administrator had consented."""
    entra.add_tenant(tenant)
    entra.grant_consent(tenant.tenant_id, app_id(tier))
    return TenantConnection.objects.create(
        engagement=engagement,
        state=ConnectionState.CONNECTED,
        tier=tier,
        tenant_id=tenant.tenant_id,
        tenant_name=tenant.display_name,
        consented_by=by,
        consented_at=timezone.now(),
    )
