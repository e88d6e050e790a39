"""Accepting an invitation with Microsoft in Chromium: the portal's page, the stand-in for
Entra ID over HTTPS, and back to the engagement, signed in with the invited role."""

import pytest
from playwright.sync_api import expect

from accounts.models import EntraIdentity
from engagements.models import Role
from engagements.services.invitations import invitation_token
from engagements.services.members import member_invite
from responsibilities.models import Party

from .test_sign_in_microsoft import CLIENT_ID, CLIENT_SECRET, CONTOSO, MICROSOFT

pytestmark = pytest.mark.browser


def test_an_invited_manager_accepts_with_microsoft_and_lands_on_the_engagement(
    transactional_db, live_server, browser, browser_context_args, entra, settings, engagement, carla
):
    settings.ENTRA_CLIENT_ID, settings.ENTRA_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.ENTRA_AUTHORITY_HOST, settings.ENTRA_CA_FILE = entra.base_url, str(entra.ca_path)
    settings.MICROSOFT_TENANT_IDS = [MICROSOFT]
    entra.register_client(
        CLIENT_ID, CLIENT_SECRET, [f"{live_server.url}/accounts/microsoft/callback/"]
    )
    nina = member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="nina@contoso.com",
        name="Nina Silva",
        role=Role.MANAGER,
    )
    entra.sign_in_as(
        entra.add_user(CONTOSO, "a1b2c3d4-0000-4000-8000-0000000000b1", "nina@contoso.com", "Nina")
    )
    # The stand-in's certificate comes from the test's own CA, which Chromium does not know.
    context = browser.new_context(**browser_context_args, ignore_https_errors=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/invitations/{invitation_token(nina)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Convite")
    page.get_by_role("link", name="Aceitar com sua conta corporativa Microsoft").click()
    page.wait_for_url(f"{live_server.url}/engagements/{engagement.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(engagement.customer)
    assert EntraIdentity.objects.get(user=nina.user).tenant_id == CONTOSO
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/audit/")
    expect(page.locator("main")).to_contain_text(f"Nina Silva, tenant {CONTOSO}")
    context.close()
