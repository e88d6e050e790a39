"""Signing in with Microsoft Entra ID, against the stand-in of Entra's OpenID Connect endpoints
(tests/entra.py) and the portal's real msal and PyJWT code: who is who is (tenant, object id),
never the email; each tenant speaks only for its own party; every fault in the id token is a
refusal that changes nothing."""

import datetime
import re

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts import entra as entra_module
from accounts.models import EntraIdentity, SignInOutcome, SignInRecord
from engagements.models import EventKind, Role
from engagements.services.invitations import invitation_token
from engagements.services.members import member_invite
from notifications.tasks import dispatch_notifications
from responsibilities.models import Party

from .factories import PASSWORD

CLOCK_START = "2026-11-02 12:00"
CLIENT_ID = "5f3c1a90-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT_SECRET = "stand-in-secret-for-tests-only"
CONTOSO = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
ELSEWHERE = "d4c3b2a1-0f9e-4d8c-b7a6-5f4e3d2c1b0a"
MICROSOFT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CALLBACK = "http://testserver/accounts/microsoft/callback/"


def english(client):
    """The pages these tests read, in English (the portal's default is Portuguese); set
    before each round trip, since the test client's logout drops every cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def sso(entra, settings):
    settings.ENTRA_CLIENT_ID = CLIENT_ID
    settings.ENTRA_CLIENT_SECRET = CLIENT_SECRET
    settings.ENTRA_AUTHORITY_HOST = entra.base_url
    settings.ENTRA_CA_FILE = str(entra.ca_path)
    settings.MICROSOFT_TENANT_IDS = [MICROSOFT]
    entra.register_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
    return entra


@pytest.fixture
def nina(clock, engagement, carla):
    """Invited by Carla as a customer manager; she has no password yet."""
    return member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="nina@contoso.com",
        name="Nina Silva",
        role=Role.MANAGER,
    )


def microsoft_round_trip(client, entra, start_url):
    """Follow the portal to the stand-in and back, as a browser would; the portal's answer."""
    english(client)
    response = client.get(start_url)
    assert response.status_code == 302, response
    answer = requests.get(response["Location"], verify=entra.ca_path, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK), back
    with translation.override("en"):
        return client.get(back.removeprefix("http://testserver"), follow=True)


def accept(client, entra, membership, person):
    entra.sign_in_as(person)
    token = invitation_token(membership)
    page = client.get(reverse("invitation", args=[token])).content.decode()
    start = re.search(r'href="([^"]*/accounts/microsoft/[^"]*)"', page).group(1)
    return microsoft_round_trip(client, entra, start.replace("&amp;", "&"))


def sign_in(client, entra, person):
    entra.sign_in_as(person)
    return microsoft_round_trip(client, entra, reverse("sso-login"))


def signed_in_as(client):
    return client.get(reverse("profile")).status_code == 200 and client.session.get("_auth_user_id")


def test_an_invited_customer_manager_accepts_with_microsoft_and_lands_on_the_engagement(
    client, sso, engagement, nina
):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000001", "Nina@Contoso.com", "Nina"
    )
    response = accept(client, sso, nina, person)
    assert response.redirect_chain, response.content.decode()[-1500:]
    assert response.redirect_chain[-1][0] == reverse("engagement-detail", args=[engagement.pk])
    assert str(nina.user.pk) == signed_in_as(client)
    identity = EntraIdentity.objects.get(user=nina.user)
    assert (identity.tenant_id, identity.object_id) == (CONTOSO, person.object_id)
    engagement.refresh_from_db()
    assert engagement.customer_tenant_id == CONTOSO  # the first customer manager's tenant
    tenant_set, bound = engagement.events.filter(
        kind__in=[EventKind.ENGAGEMENT_CHANGED, EventKind.ACCOUNT_BOUND]
    ).order_by("sequence")
    assert tenant_set.changes == {"customer_tenant_id": ["", CONTOSO]}
    assert bound.actor == nina.user and bound.changes["tenant_id"] == CONTOSO
    audit = client.get(reverse("engagement-audit", args=[engagement.pk])).content.decode()
    assert "Nina Silva, tenant " + CONTOSO in audit
    members = client.get(reverse("engagement-members", args=[engagement.pk])).content.decode()
    assert f"sign in with Microsoft from the tenant {CONTOSO}." in members
    assert SignInRecord.objects.get().outcome == SignInOutcome.BOUND

    # Next time the pair (tenant, object id) finds her account: no invitation needed.
    client.logout()
    response = sign_in(client, sso, person)
    assert str(nina.user.pk) == signed_in_as(client)
    assert SignInRecord.objects.first().outcome == SignInOutcome.SIGNED_IN
    # No page asked for: she lands on My work, where her party's acknowledgement waits.
    assert response.redirect_chain[-1][0] == reverse("my-work")


def test_a_microsoft_manager_accepts_from_microsoft_s_tenant_only(
    client, sso, engagement, carla, clock
):
    invited = member_invite(
        engagement=engagement,
        invited_by=engagement.memberships.get(party=Party.MICROSOFT).user,
        party=Party.MICROSOFT,
        email="marta@microsoft.com",
        name="Marta",
        role=Role.MANAGER,
    )
    from_contoso = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000002", "marta@microsoft.com", "Marta"
    )
    page = accept(client, sso, invited, from_contoso).content.decode()
    assert f"signs in from the Microsoft Entra ID tenant {MICROSOFT}" in page
    assert f"you signed in from tenant {CONTOSO}" in page
    assert not EntraIdentity.objects.exists() and not signed_in_as(client)
    assert SignInRecord.objects.get().outcome == SignInOutcome.REFUSED

    from_microsoft = sso.add_user(
        MICROSOFT, "a1b2c3d4-0000-4000-8000-000000000003", "marta@microsoft.com", "Marta"
    )
    accept(client, sso, invited, from_microsoft)
    assert str(invited.user.pk) == signed_in_as(client)
    engagement.refresh_from_db()
    assert engagement.customer_tenant_id == ""  # Microsoft's people never set the customer's


def test_the_same_email_from_another_tenant_is_refused(client, sso, engagement, nina):
    sso_nina = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000004", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, sso_nina)
    client.logout()
    # Another tenant's admin gives one of its users Nina's address (the "nOAuth" takeover).
    impostor = sso.add_user(
        ELSEWHERE, "a1b2c3d4-0000-4000-8000-000000000004", "nina@contoso.com", "Nina"
    )
    page = sign_in(client, sso, impostor).content.decode()
    assert "is not linked to a portal account" in page and not signed_in_as(client)
    # Nor through a fresh invitation to the same engagement's customer.
    vera_invite = member_invite(
        engagement=engagement,
        invited_by=nina.user,
        party=Party.CUSTOMER,
        email="vera.nova@contoso.com",
        name="Vera Nova",
        role=Role.VIEWER,
    )
    impostor_vera = sso.add_user(
        ELSEWHERE, "a1b2c3d4-0000-4000-8000-000000000005", "vera.nova@contoso.com", "Vera"
    )
    page = accept(client, sso, vera_invite, impostor_vera).content.decode()
    assert f"tenant {CONTOSO}; you signed in from tenant {ELSEWHERE}" in page
    assert EntraIdentity.objects.count() == 1


def test_a_forwarded_invitation_binds_no_one_else(client, sso, nina):
    colleague = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000006", "joao@contoso.com", "João"
    )
    page = accept(client, sso, nina, colleague).content.decode()
    assert (
        "This invitation was sent to nina@contoso.com; you signed in as joao@contoso.com." in page
    )
    assert not EntraIdentity.objects.exists() and not signed_in_as(client)


def test_a_customer_viewer_waits_for_a_manager_to_name_the_tenant(client, sso, engagement, carla):
    viewer = member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="rui@contoso.com",
        name="Rui",
        role=Role.VIEWER,
    )
    person = sso.add_user(CONTOSO, "a1b2c3d4-0000-4000-8000-000000000007", "rui@contoso.com", "Rui")
    page = accept(client, sso, viewer, person).content.decode()
    assert "a customer manager accepts their invitation first" in page
    engagement.refresh_from_db()
    assert engagement.customer_tenant_id == "" and not signed_in_as(client)


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ({"nonce": "another-sign-in"}, "nonce"),
        ({"aud": "00000000-0000-4000-8000-000000000000"}, "audience"),
        ({"iss": "https://login.example.com/{tid}/v2.0"}, "issuer"),
        ({"exp": "an hour ago"}, "expired"),
        ({"alg": "none"}, "refused"),
        ({"unknown_key": True}, "refused"),
    ],
    ids=["nonce", "audience", "issuer", "expired", "unsigned", "unknown key"],
)
def test_an_id_token_that_fails_a_check_signs_no_one_in(client, sso, engagement, nina, fault, why):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000008", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    assert signed_in_as(client)  # the same sign-in, untampered, is taken
    client.logout()
    changes = dict(fault)
    if changes.get("exp") == "an hour ago":
        changes["exp"] = timezone.now() - datetime.timedelta(hours=1)
    if "iss" in changes:
        changes["iss"] = changes["iss"].format(tid=CONTOSO)
    sso.tamper_next_id_token(**changes)
    response = sign_in(client, sso, person)
    page = response.content.decode()
    assert response.status_code == 403 and why in page.lower()
    assert not signed_in_as(client)
    assert SignInRecord.objects.first().outcome == SignInOutcome.REFUSED


def keys_fetched(entra) -> int:
    return sum(path.endswith("/discovery/v2.0/keys") for _method, path in entra.requests)


def test_keys_rotated_by_the_tenant_are_fetched_again(client, sso, nina, monkeypatch):
    # No cooldown between two fetches here: the test rotates at once (see the next test).
    monkeypatch.setattr(entra_module, "KEYS_REFETCH_COOLDOWN_SECONDS", 0)
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-000000000009", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    client.logout()
    sign_in(client, sso, person)
    client.logout()
    assert keys_fetched(sso) == 1  # kept between sign-ins
    sso.rotate_keys()
    response = sign_in(client, sso, person)
    assert str(nina.user.pk) == signed_in_as(client), response.content.decode()[-800:]
    assert keys_fetched(sso) == 2


def test_tokens_naming_unknown_keys_fetch_the_keys_once_per_cooldown(client, sso, nina):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-00000000000c", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    client.logout()
    for _attempt in range(3):
        sso.tamper_next_id_token(unknown_key=True)
        assert sign_in(client, sso, person).status_code == 403
    assert keys_fetched(sso) == 1  # the first fetch started the cooldown


def test_a_person_disabled_in_entra_cannot_sign_in_again(client, sso, nina):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-00000000000a", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    client.logout()
    sso.disable(person)
    page = sign_in(client, sso, person).content.decode()
    assert "AADSTS50057" in page and not signed_in_as(client)
    assert SignInRecord.objects.first().outcome == SignInOutcome.REFUSED


def test_a_person_disabled_in_the_portal_cannot_sign_in_with_microsoft(client, sso, nina):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-00000000000b", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    client.logout()
    nina.user.is_active = False
    nina.user.save(update_fields=["is_active"])
    page = sign_in(client, sso, person).content.decode()
    assert "This account is disabled." in page and not signed_in_as(client)


def test_without_an_app_registration_there_is_no_microsoft_sign_in(client, settings):
    settings.ENTRA_CLIENT_ID = ""
    assert client.get(reverse("sso-login")).status_code == 404
    assert "Sign in with Microsoft" not in client.get(reverse("login")).content.decode()


def test_with_password_login_off_only_staff_use_a_password(client, settings, carla, ada, clock):
    settings.PASSWORD_LOGIN = False
    english(client)
    with translation.override("en"):
        response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert "signs you in with your Microsoft work account" in response.content.decode()
    assert not signed_in_as(client)
    client.post(reverse("password_reset"), {"email": carla.email})
    assert mail.outbox == []  # no password link for her either
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302 and signed_in_as(client)


def test_the_invitation_email_offers_microsoft_and_no_password_when_passwords_are_off(
    sso, settings, nina
):
    settings.PASSWORD_LOGIN = False
    dispatch_notifications()
    (message,) = mail.outbox
    assert "/invitations/" in message.body and "password" not in message.body.lower()


def test_signing_out_offers_microsoft_s_sign_out_too(client, sso, carla):
    client.force_login(carla)
    response = client.post(reverse("logout"), follow=True)
    page = response.content.decode()
    assert f"{sso.base_url}/organizations/oauth2/v2.0/logout?post_logout_redirect_uri=" in page


def test_sessions_last_the_configured_hours():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_HOURS * 3600


def test_a_person_deleted_in_entra_cannot_sign_in_again(client, sso, nina):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-00000000000d", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    client.logout()
    sso.remove_user(person)
    page = sign_in(client, sso, person).content.decode()
    assert "AADSTS50034" in page and not signed_in_as(client)


def test_staff_read_the_sign_in_records_and_no_one_else_does(client, sso, nina, ada, carla):
    person = sso.add_user(
        CONTOSO, "a1b2c3d4-0000-4000-8000-00000000000e", "nina@contoso.com", "Nina"
    )
    accept(client, sso, nina, person)
    records = reverse("admin:accounts_signinrecord_changelist")
    client.force_login(carla)
    assert client.get(records).status_code == 302  # to the admin's login: not staff
    client.force_login(ada)
    page = client.get(records).content.decode()
    assert "nina@contoso.com" in page and CONTOSO in page
    record = SignInRecord.objects.get()
    change = reverse("admin:accounts_signinrecord_change", args=[record.pk])
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert SignInRecord.objects.get().reason == ""
