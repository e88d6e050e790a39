"""`make run-sso`: the demo with Microsoft sign-in, against the tests' stand-in for Entra ID.

The stand-in (tests/entra.py) runs in this process on a free port; every demo person who is
not staff gets a work account in their organisation's tenant (Contoso's, Microsoft's, ...),
bound to their demo account as an accepted invitation would bind it, and Contoso's customer
tenant is set as staff would set it. The stand-in has no login page: it signs in the person
named by TRY_AS (a demo username, `pm` unless set). Its certificate comes from a CA of its own,
so the browser warns once.
"""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import django

CLIENT_ID = "fasttrack-portal-try"
CLIENT_SECRET = "try-only-secret"
PORTAL = "http://127.0.0.1:8000"
MICROSOFT_DOMAIN = "microsoft.example"
MICROSOFT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def tenant_of(email: str) -> str:
    domain = email.rsplit("@", 1)[1]
    if domain == MICROSOFT_DOMAIN:
        return MICROSOFT_TENANT
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, domain))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fasttrack.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from accounts.models import EntraIdentity
    from engagements.models import Engagement
    from engagements.services.engagements import engagement_update

    from .entra import EntraStandIn

    entra = EntraStandIn(Path(tempfile.mkdtemp(prefix="entra-try-")))
    entra.register_client(CLIENT_ID, CLIENT_SECRET, [f"{PORTAL}/accounts/microsoft/callback/"])
    people = get_user_model().objects.filter(is_staff=False).exclude(email="")
    for person in people:
        tenant = tenant_of(person.email)
        identity, _new = EntraIdentity.objects.get_or_create(
            user=person,
            defaults={
                "tenant_id": tenant,
                "object_id": str(uuid.uuid5(uuid.NAMESPACE_URL, person.email)),
            },
        )
        work_account = entra.add_user(
            identity.tenant_id, identity.object_id, person.email, person.get_full_name()
        )
        if person.username == os.environ.get("TRY_AS", "pm"):
            entra.sign_in_as(work_account)
    contoso = Engagement.objects.filter(customer__startswith="Contoso").first()
    staff = get_user_model().objects.filter(is_staff=True).first()
    if contoso and not contoso.customer_tenant_id:
        contoso.customer_tenant_id = tenant_of("pm@contoso.example")
        engagement_update(
            engagement=contoso, changed_by=staff, changed_fields=["customer_tenant_id"]
        )
    print(f"Entra ID stand-in at {entra.base_url}; it signs in {os.environ.get('TRY_AS', 'pm')}.")
    print(f"Open {PORTAL}/accounts/login/ and choose Sign in with Microsoft.")
    # requests prefers a CA bundle named in the environment to msal's `verify=` (psf/requests#4726).
    environment = {
        **{name: value for name, value in os.environ.items() if not name.endswith("CA_BUNDLE")},
        "ENTRA_CLIENT_ID": CLIENT_ID,
        "ENTRA_CLIENT_SECRET": CLIENT_SECRET,
        "ENTRA_AUTHORITY_HOST": entra.base_url,
        "ENTRA_CA_FILE": entra.ca_path,
        "MICROSOFT_TENANT_IDS": MICROSOFT_TENANT,
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:8000"],
            env=environment,
            check=False,
        )
    except KeyboardInterrupt:
        pass
    finally:
        entra.stop()


if __name__ == "__main__":
    main()
