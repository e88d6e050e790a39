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
import shutil
import threading
from pathlib import Path

from .entra import EntraStandIn
from .graph import SENSITIVE, GraphTenant, contoso_complete


def sandbox_tenant(tenant_id: str) -> GraphTenant:
    """Contoso's complete onboarding, less two things the demo shows as not confirmed."""
    tenant = contoso_complete(tenant_id)
    tenant.display_name = "Contoso sandbox tenant"
    tenant.android_app_protections.clear()
    tenant.terms_and_conditions.clear()
    return tenant


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
    options = parser.parse_args(argv)
    options.folder.mkdir(parents=True, exist_ok=True)
    entra = EntraStandIn(options.folder, port=options.port)
    shutil.copyfile(entra.ca_path, options.folder / "ca.pem")
    callbacks = options.redirect_uri or ["http://127.0.0.1:8000/tenant/consent/"]
    entra.register_app(options.client_id, options.client_secret, SENSITIVE, callbacks)
    entra.add_tenant(sandbox_tenant(options.tenant_id))
    entra.admin_consent_as(options.tenant_id)
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
