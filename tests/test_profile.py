"""Each user's language, time zone and digest choice."""

from django.urls import reverse

from accounts.models import Profile


def test_a_user_turns_digests_off_and_picks_english_and_a_time_zone(client, carla):
    client.force_login(carla)
    response = client.post(
        reverse("profile"),
        {"language": "en", "time_zone": "Europe/Lisbon", "receives_digest": ""},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=carla)
    assert (profile.language, profile.time_zone, profile.receives_digest) == (
        "en",
        "Europe/Lisbon",
        False,
    )
    page = client.get(reverse("profile"))
    assert page.context["LANGUAGE_CODE"] == "en"


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, carla):
    Profile.objects.create(user=carla, time_zone="America/Sao_Paulo")
    client.force_login(carla)
    response = client.post(
        reverse("profile"), {"language": "en", "time_zone": "Mars/Olympus", "receives_digest": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert Profile.objects.get(user=carla).time_zone == "America/Sao_Paulo"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("profile"))
    assert response["Location"].startswith(reverse("login"))
