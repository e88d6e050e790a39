"""The 404 page says what a visitor can act on, and nothing of the portal's insides."""

from django.test import Client
from django.urls import reverse

GENERIC = "A página solicitada não existe ou você não tem permissão para vê-la."


def test_an_unknown_address_gets_the_plain_message(db, settings):
    assert not settings.DEBUG
    response = Client().get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert GENERIC in body
    assert "Resolver404" not in body and "path" not in body


def test_the_portal_s_own_message_is_shown(db):
    response = Client().get(reverse("shared-dashboard", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert (
        "Este link de compartilhamento não existe. Verifique se ele foi copiado por inteiro."
        in response.content.decode()
    )


def test_django_s_message_naming_a_model_is_not_shown(client, carla, engagement):
    client.force_login(carla)
    response = client.post(reverse("share-link-revoke", args=[engagement.pk, 999_999]))
    body = response.content.decode()
    assert response.status_code == 404
    assert GENERIC in body
    assert "ShareLink" not in body
