"""Logging in and out with Django's own views."""

from django.urls import reverse

from .factories import PASSWORD


def test_a_member_with_nothing_waiting_logs_in_and_lands_on_their_engagements(
    client, vera, engagement
):
    response = client.post(
        reverse("login"), {"username": "vera", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("engagement-list")
    assert "Fabrikam" in response.content.decode()


def test_a_manager_with_work_waiting_logs_in_and_lands_on_my_work(client, carla, engagement):
    # Carla's party has not acknowledged its general responsibilities yet.
    response = client.post(
        reverse("login"), {"username": "carla", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("my-work")
    assert "Fabrikam" in response.content.decode()


def test_a_page_asked_for_before_signing_in_wins_over_my_work(client, carla, engagement):
    page = reverse("engagement-detail", args=[engagement.pk])
    response = client.post(
        f"{reverse('login')}?next={page}", {"username": "carla", "password": PASSWORD}
    )
    assert response["Location"] == page


def test_a_wrong_password_is_refused(client, carla):
    response = client.post(reverse("login"), {"username": "carla", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_logging_out_ends_the_session(client, carla, engagement):
    client.force_login(carla)
    assert client.post(reverse("logout")).status_code == 302
    response = client.get(reverse("engagement-detail", args=[engagement.pk]))
    assert response["Location"].startswith(reverse("login"))
