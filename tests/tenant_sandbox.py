"""`make run`'s sandbox tenant: the tests' Entra and Graph stand-in (tests/entra.py, tests/graph.py)
in the foreground, so the demo can connect an engagement to a customer tenant that answers.

    python -m tests.tenant_sandbox --port 8443 --folder .sandbox --tenant-id <guid> \\
        --client-id <id> --client-secret <secret> [--redirect-uri <portal callback> ...]

It writes its CA to <folder>/ca.pem (the portal trusts it for these addresses only), registers
the app with every permission of the three tiers, and serves "Contoso sandbox tenant": Contoso's
complete onboarding less its Android app protection and its terms and conditions, so the demo
shows what "does not confirm" looks like. Whoever opens the consent page is that tenant's
administrator and accepts.
"""

import argparse
import datetime
import os
import shutil
import threading
from pathlib import Path

import django

from .entra import EntraStandIn
from .graph import SENSITIVE, GraphTenant, contoso_complete
from .graph_resources import now

# Directory synchronisation stopped this long before the sandbox started: the demo's drift.
SYNC_STOPPED_HOURS = 6


def sandbox_tenant(tenant_id: str) -> GraphTenant:
    """Contoso's complete onboarding, less two things the demo shows as not confirmed, and
    with its directory synchronisation stopped some hours ago."""
    tenant = contoso_complete(tenant_id)
    tenant.display_name = "Contoso sandbox tenant"
    tenant.android_app_protections.clear()
    tenant.terms_and_conditions.clear()
    tenant.last_sync = now() - datetime.timedelta(hours=SYNC_STOPPED_HOURS)
    return tenant


def demo_connect(entra: EntraStandIn, tenant: GraphTenant, client_id: str) -> str:
    """The demo's Contoso, connected to the sandbox tenant through the portal's own services
    (once: a second `make run` finds it connected), with the story of a drift: read two days
    ago while synchronisation ran, its directory-sync task ticked with that observation, read
    again three hours ago after synchronisation stopped. Returns what it did."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fasttrack.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from engagements.demo.story import demo_clock
    from engagements.models import Engagement
    from tenants.evidence import task_done_with_observation
    from tenants.models import Observation, TenantConnection, Tier
    from tenants.services import tenant_connect
    from tenants.tasks import tenant_check_once

    contoso = Engagement.objects.filter(customer="Contoso").first()
    manager = get_user_model().objects.filter(username="pm").first()
    if contoso is None or manager is None:
        return "no demo Contoso: nothing connected"
    if TenantConnection.objects.filter(engagement=contoso).exists():
        return "Contoso was connected before"
    # Its administrator consented two days ago (the consent page itself is the browser's).
    entra.grant_consent(tenant.tenant_id, client_id)
    stopped = tenant.last_sync
    real_now = timezone.now()
    first_reading = real_now - datetime.timedelta(days=2)
    tenant.last_sync = first_reading - datetime.timedelta(minutes=20)
    with demo_clock(first_reading - datetime.timedelta(minutes=5)):
        tenant_connect(
            engagement=contoso,
            user=manager,
            tier=Tier.SENSITIVE,
            tenant_id=tenant.tenant_id,
            now=timezone.now(),
        )
    with demo_clock(first_reading):
        tenant_check_once(contoso.pk, manager.pk)
    task = contoso.tasks.get(responsibility__key="customer-habilitar-04")
    with demo_clock(first_reading + datetime.timedelta(minutes=30)):
        observation = Observation.objects.filter(
            engagement=contoso, check_key="directory-sync"
        ).first()
        task_done_with_observation(
            task=task, user=manager, observation=observation, caption="Tenant confirms"
        )
    tenant.last_sync = stopped
    with demo_clock(real_now - datetime.timedelta(hours=3)):
        tenant_check_once(contoso.pk)
    return "Contoso connected, read twice: its directory sync drifted"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--folder", type=Path, default=Path(".sandbox"))
    parser.add_argument("--tenant-id", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument(
        "--redirect-uri",
        action="append",
        help="the portal's consent callback (repeatable); Entra sends the admin back only there",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="connect the demo's Contoso to the sandbox tenant (once), with a drift",
    )
    options = parser.parse_args(argv)
    options.folder.mkdir(parents=True, exist_ok=True)
    entra = EntraStandIn(options.folder, port=options.port)
    shutil.copyfile(entra.ca_path, options.folder / "ca.pem")
    callbacks = options.redirect_uri or ["http://127.0.0.1:8000/tenant/consent/"]
    entra.register_app(options.client_id, options.client_secret, SENSITIVE, callbacks)
    tenant = entra.add_tenant(sandbox_tenant(options.tenant_id))
    entra.admin_consent_as(options.tenant_id)
    if options.demo:
        print(demo_connect(entra, tenant, options.client_id), flush=True)
    # make run starts the portal once this is here: the demo is connected by then.
    (options.folder / "ready").touch()
    print(f"Sandbox tenant {options.tenant_id}: Entra at {entra.url}, Graph at {entra.url}/v1.0")
    print(f"CA: {options.folder / 'ca.pem'}; consent callbacks: {', '.join(callbacks)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        entra.stop()


if __name__ == "__main__":
    main()
