"""Personal access tokens: made on the profile page and shown once, stored as a hash, bounded
in time, read-only or read-write, revocable by their owner alone, their last use shown."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AccessToken, Profile, TokenAccess
from accounts.services import (
    ACCESS_TOKEN_MOST_LIVE,
    access_token_create,
    access_token_revoke,
    profile_set_language,
)

from ..factories import make_user
from .conftest import make_token

LIST = reverse("api-engagement-list")


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def make_on_the_profile_page(client, user, **fields):
    client.force_login(user)
    values = {
        "name": "Relatório semanal",
        "access": "read",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        **fields,
    }
    return client.post(reverse("access-token-create"), values)


def test_a_token_made_on_the_profile_page_is_shown_once_and_stored_as_its_hash(client, carla):
    response = make_on_the_profile_page(client, carla)
    assert response.status_code == 302
    page = client.get(reverse("integrations")).content.decode()
    access_token = AccessToken.objects.get(user=carla)
    token = page.split('id="new-access-token" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith("ftp_") and len(token) > 40
    assert access_token.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(value) for value in AccessToken.objects.values().get().values())
    assert token not in stored
    assert access_token.access == TokenAccess.READ and access_token.name == "Relatório semanal"
    again = client.get(reverse("integrations")).content.decode()
    assert token not in again and "Relatório semanal" in again
    assert client.get(LIST, **bearer(token)).status_code == 200


def test_a_token_acts_as_its_user_within_their_engagements(client, engagement, carla, otto):
    token = make_token(otto)
    response = client.get(LIST, **bearer(token))
    assert [row["id"] for row in response.json()["results"]] == []
    assert client.get(LIST, **bearer(make_token(carla))).json()["results"][0]["id"] == (
        engagement.pk
    )


@pytest.mark.parametrize("days", [0, 366, -1])
def test_the_expiry_is_after_today_and_at_most_a_year_ahead(client, carla, days):
    expires_on = timezone.localdate() + datetime.timedelta(days=days)
    response = make_on_the_profile_page(client, carla, expires_on=expires_on.isoformat())
    assert response.status_code == 200
    assert response.context["token_form"].errors["expires_on"]
    assert not AccessToken.objects.exists()
    with pytest.raises(ValidationError):
        access_token_create(user=carla, name="x", access="read", expires_on=expires_on)


def test_a_year_ahead_is_accepted(client, carla):
    expires_on = timezone.localdate() + datetime.timedelta(days=365)
    assert make_on_the_profile_page(client, carla, expires_on=expires_on).status_code == 302


def test_an_expired_token_is_refused_after_its_last_day(client, carla, time_machine):
    token = make_token(carla, days=3)
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    late_on_last_day = datetime.datetime.combine(last_day, datetime.time(23))
    time_machine.move_to(timezone.make_aware(late_on_last_day))
    assert client.get(LIST, **bearer(token)).status_code == 200
    time_machine.move_to(datetime.timedelta(hours=2))
    response = client.get(LIST, **bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Este token expirou."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_token_is_refused(client, carla):
    token = make_token(carla)
    access_token = AccessToken.objects.get(user=carla)
    client.force_login(carla)
    response = client.post(reverse("access-token-revoke", args=[access_token.pk]))
    assert response.status_code == 302
    client.logout()
    refused = client.get(LIST, **bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Este token foi revogado."}


def test_another_user_can_neither_see_nor_revoke_your_token(client, carla, miguel):
    token = make_token(carla)
    access_token = AccessToken.objects.get(user=carla)
    client.force_login(miguel)
    assert access_token.prefix not in client.get(reverse("integrations")).content.decode()
    response = client.post(reverse("access-token-revoke", args=[access_token.pk]))
    assert response.status_code == 404
    assert AccessToken.objects.get(pk=access_token.pk).revoked_at is None
    client.logout()
    assert client.get(LIST, **bearer(token)).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer one two", "Bearer ftp_not-a-token", "Bearer ção", "Token abc"],
)
def test_a_wrong_or_malformed_token_opens_nothing(client, carla, header):
    make_token(carla)
    response = client.get(LIST, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_deactivated_account_s_token_opens_nothing(client, carla):
    token = make_token(carla)
    carla.is_active = False
    carla.save(update_fields=["is_active"])
    assert client.get(LIST, **bearer(token)).status_code == 401


def test_the_last_use_is_kept_to_the_minute_and_shown(client, carla, time_machine):
    # A single-digit day: the page writes "5 Mar", not "05 Mar".
    time_machine.move_to(datetime.datetime(2027, 3, 5, 9, 7, tzinfo=datetime.UTC), tick=False)
    token = make_token(carla)
    access_token = AccessToken.objects.get(user=carla)
    assert access_token.last_used_at is None
    client.get(LIST, **bearer(token))
    first_use = AccessToken.objects.get(pk=access_token.pk).last_used_at
    assert first_use == timezone.now()
    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=30), tick=False)
    client.get(LIST, **bearer(token))
    assert AccessToken.objects.get(pk=access_token.pk).last_used_at == first_use
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=2), tick=False)
    client.get(LIST, **bearer(token))
    assert AccessToken.objects.get(pk=access_token.pk).last_used_at == timezone.now()
    Profile.objects.create(user=carla, language="en", time_zone="UTC")
    client.force_login(carla)
    page = client.get(reverse("integrations")).content.decode()
    assert "5 Mar 2027, 09:09" in page


def test_errors_speak_the_token_owner_s_language(client, engagement, carla):
    Profile.objects.create(user=carla, language="en")
    token = make_token(carla)
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    response = client.patch(
        reverse("api-task-detail", args=[engagement.pk, task.pk]),
        {"due_date": "2026-08-01"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="pt-br",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A due date cannot be before the licence purchase date (1 Sep 2026).",
        "errors": {
            "due_date": ["A due date cannot be before the licence purchase date (1 Sep 2026)."]
        },
    }
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "Authentication credentials were not provided."),
        ("pt-br", "As credenciais de autenticação não foram fornecidas."),
    ],
)
def test_without_a_token_errors_follow_the_browser_s_language(client, language, message):
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json() == {"detail": message}


def test_tokens_of_other_people_are_not_listed_for_staff_either(client, carla, ada):
    make_token(carla)
    make_user("someone")
    client.force_login(ada)
    assert list(client.get(reverse("integrations")).context["access_tokens"]) == []


def test_past_the_most_live_tokens_a_new_one_is_refused_until_one_is_revoked(client, carla):
    # Neither an expired nor a revoked token counts.
    expired, revoked = make_token(carla), make_token(carla)
    AccessToken.objects.filter(token_hash=hashlib.sha256(expired.encode()).hexdigest()).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    access_token_revoke(access_token=AccessToken.objects.get(prefix=revoked[:8]))
    for _ in range(ACCESS_TOKEN_MOST_LIVE):
        make_token(carla)
    message = (
        f"You have {ACCESS_TOKEN_MOST_LIVE} live tokens, the most one person may have: "
        "revoke one you no longer use, then make the new one."
    )
    with translation.override("en"), pytest.raises(ValidationError) as refusal:
        make_token(carla)
    assert refusal.value.messages == [message]
    made = AccessToken.objects.count()
    profile_set_language(user=carla, language="en")
    response = make_on_the_profile_page(client, carla)
    assert response.status_code == 200  # the form again, with the refusal
    assert message in response.content.decode()
    assert AccessToken.objects.count() == made
    live = AccessToken.objects.live(timezone.now())
    client.post(reverse("access-token-revoke", args=[live.first().pk]))
    assert make_on_the_profile_page(client, carla).status_code == 302
