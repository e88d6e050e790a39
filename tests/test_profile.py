"""Each user's language and time zone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Profile
from accounts.services import profile_update


def test_a_user_picks_english_and_a_time_zone(client, carla):
    client.force_login(carla)
    response = client.post(
        reverse("profile"),
        {"language": "en", "time_zone": "Europe/Lisbon"},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=carla)
    assert (profile.language, profile.time_zone) == ("en", "Europe/Lisbon")
    page = client.get(reverse("profile"))
    assert page.context["LANGUAGE_CODE"] == "en"


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, carla):
    Profile.objects.create(user=carla, time_zone="America/Sao_Paulo")
    client.force_login(carla)
    response = client.post(reverse("profile"), {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert Profile.objects.get(user=carla).time_zone == "America/Sao_Paulo"


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("profile"))
    assert response["Location"].startswith(reverse("login"))


def test_the_time_zones_offered_are_current_places_grouped_by_country_likely_first(client, carla):
    Profile.objects.create(user=carla, time_zone="Asia/Tokyo")
    client.force_login(carla)
    choices = client.get(reverse("profile")).context["form"].fields["time_zone"].choices
    groups = {str(label): [value for value, _name in zones] for label, zones in choices}
    first_label, first_zones = choices[0]
    assert str(first_label) == "Prováveis"
    assert first_zones[:2] == [
        ("Asia/Tokyo", "Tóquio (Japão)"),
        ("America/Sao_Paulo", "São Paulo (Brasil)"),
    ]
    offered = {zone for zones in groups.values() for zone in zones}
    assert "Europe/Lisbon" in groups["Portugal"] and "Asia/Kolkata" in groups["Índia"]
    assert {"America/Sao_Paulo", "America/Manaus", "America/Noronha"} <= set(groups["Brasil"])
    # The aliases kept for old systems are not offered: deprecated names, links, oddities.
    deprecated = {"Asia/Calcutta", "America/Godthab", "Asia/Katmandu", "Brazil/East"}
    assert deprecated.isdisjoint(offered)
    assert {"Factory", "localtime", "US/Pacific", "Etc/GMT+3", "posixrules"}.isdisjoint(offered)
    # Countries in the reader's alphabet: "África do Sul" near the start, not after "Zâmbia".
    countries = [str(label) for label, _zones in choices[1:]]
    assert countries.index("África do Sul") < countries.index("Brasil") < countries.index("Zâmbia")
    assert len(offered) < 450


def test_a_zone_saved_under_a_retired_name_shows_as_its_current_one(client, carla):
    Profile.objects.create(user=carla, time_zone="Asia/Calcutta")
    client.force_login(carla)
    form = client.get(reverse("profile")).context["form"]
    assert form["time_zone"].value() == "Asia/Kolkata"
    assert form.fields["time_zone"].choices[0][1][0] == ("Asia/Kolkata", "Kolkata (Índia)")


@pytest.mark.parametrize("zone", ["Asia/Calcutta", "America/Godthab", "Asia/Katmandu"])
def test_deprecated_aliases_are_refused(client, carla, zone):
    client.force_login(carla)
    response = client.post(
        reverse("profile"), {"language": "en", "time_zone": zone, "receives_digest": "on"}
    )
    assert response.context["form"].errors["time_zone"]
    assert not Profile.objects.filter(user=carla).exists()


@pytest.mark.parametrize("zone", ["Factory", "localtime", "US/Pacific"])
def test_alias_zones_are_refused(client, carla, zone):
    client.force_login(carla)
    response = client.post(reverse("profile"), {"language": "en", "time_zone": zone})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert not Profile.objects.filter(user=carla).exists()


def test_the_service_refuses_a_zone_the_form_does_not_offer(carla):
    with pytest.raises(ValidationError):
        profile_update(
            user=carla,
            language="en",
            time_zone="Factory",
        )
    assert not Profile.objects.filter(user=carla).exists()
