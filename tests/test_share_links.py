"""Read-only dashboard links for stakeholders without an account."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.access import share_token_hash
from engagements.models import ShareLink, Task
from engagements.services.share_links import share_link_create, share_link_revoke
from engagements.services.tasks import task_set_note


@pytest.fixture
def shared(engagement, carla):
    expires = timezone.localdate() + datetime.timedelta(days=30)
    link, token = share_link_create(
        engagement=engagement, user=carla, label="Comitê executivo", expires_on=expires
    )
    return link, token


def share_url(token):
    return reverse("shared-dashboard", args=[token])


def test_a_manager_makes_a_link_and_sees_it_once(client, carla, engagement):
    client.force_login(carla)
    expires = timezone.localdate() + datetime.timedelta(days=90)
    response = client.post(
        reverse("engagement-share-links", args=[engagement.pk]),
        {"label": "Diretoria", "expires_on": expires.isoformat()},
        follow=True,
    )
    url = re.search(
        r'id="new-share-link" type="text" readonly value="([^"]+)"', response.content.decode()
    ).group(1)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token not in " ".join(str(m) for m in response.context["messages"])
    link = ShareLink.objects.get()
    assert link.label == "Diretoria"
    assert token not in link.token_hash and link.token_hash == share_token_hash(token)
    page = client.get(reverse("engagement-share-links", args=[engagement.pk]))
    assert token not in page.content.decode()


def test_anyone_with_the_link_reads_the_dashboard_and_nothing_more(client, shared, engagement):
    _link, token = shared
    response = client.get(share_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert engagement.customer in html and "Comitê executivo" in html
    forms = re.findall(r"<form[^>]*>", html)
    assert forms == ['<form method="post" action="/language/" class="language">']
    assert f"/engagements/{engagement.pk}/" not in html
    assert "_auth_user_id" not in client.session


def test_a_share_link_never_writes(client, shared, engagement):
    _link, token = shared
    task = engagement.tasks.exclude(phase=None).first()
    assert client.post(share_url(token), {"done": "1"}).status_code == 405
    with_token = client.post(
        reverse("task-set-done", args=[engagement.pk, task.pk]),
        {"done": "1"},
        HTTP_REFERER=share_url(token),
    )
    assert with_token.status_code == 302 and with_token["Location"].startswith("/accounts/login/")
    assert not Task.objects.get(pk=task.pk).done


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:20],
        lambda token: token + "x",
        lambda token: "x" * 43,
    ],
)
def test_forged_or_tampered_tokens_open_nothing(client, shared, forge):
    _link, token = shared
    response = client.get(share_url(forge(token)))
    assert response.status_code == 404
    assert "Comitê executivo" not in response.content.decode()


def test_a_revoked_link_says_so(client, carla, shared):
    link, token = shared
    share_link_revoke(link=link, user=carla)
    response = client.get(share_url(token))
    assert response.status_code == 410
    assert "revoga" in response.content.decode() or "revoked" in response.content.decode()


def test_an_expired_link_says_so(client, shared, time_machine):
    link, token = shared
    time_machine.move_to(link.expires_at + datetime.timedelta(minutes=1))
    response = client.get(share_url(token))
    assert response.status_code == 410
    assert "expir" in response.content.decode()


@pytest.mark.parametrize("days", [0, 91, -3])
def test_the_expiry_is_within_90_days(client, carla, engagement, days):
    client.force_login(carla)
    expires = timezone.localdate() + datetime.timedelta(days=days)
    response = client.post(
        reverse("engagement-share-links", args=[engagement.pk]),
        {"label": "Longa demais", "expires_on": expires.isoformat()},
    )
    assert response.status_code == 200
    assert "90" in str(response.context["form"].errors)
    assert not ShareLink.objects.exists()


def test_revoking_is_recorded(client, carla, shared, engagement):
    link, _token = shared
    client.force_login(carla)
    client.post(reverse("share-link-revoke", args=[engagement.pk, link.pk]))
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert engagement.events.filter(kind="share_link_revoked").exists()


def test_share_visitors_see_no_notes_reasons_or_addresses(client, carla, engagement, shared):
    _link, token = shared
    task = engagement.tasks.exclude(phase=None).first()
    task_set_note(task=task, user=carla, note="Interno: renegociar contrato")
    html = client.get(share_url(token)).content.decode()
    assert "renegociar" not in html
    assert "@example.com" not in html


def test_the_link_says_its_own_last_day(client, carla, engagement):
    last_day = timezone.localdate() + datetime.timedelta(days=12)
    link, token = share_link_create(
        engagement=engagement, user=carla, label="Diretoria", expires_on=last_day
    )
    assert link.last_day == last_day
    html = client.get(share_url(token)).content.decode()
    assert last_day.strftime("%d/%m/%Y") in html


def test_inviting_a_member_twice_says_so(client, carla, engagement, vera):
    client.force_login(carla)
    response = client.post(
        reverse("engagement-members", args=[engagement.pk]),
        {"email": vera.email, "name": "Vera", "role": "viewer"},
    )
    assert response.status_code == 200
    assert vera.email in str(response.context["form"].errors)
    assert engagement.memberships.filter(user=vera).count() == 1


MICROSECOND = datetime.timedelta(microseconds=1)


def test_a_link_is_usable_until_the_microsecond_before_it_expires(shared, time_machine):
    link, token = shared
    assert link.is_usable(link.expires_at - MICROSECOND)
    assert not link.is_usable(link.expires_at)
    assert not link.is_usable(link.expires_at + MICROSECOND)
    # Without an argument it asks the clock.
    time_machine.move_to(link.expires_at - MICROSECOND, tick=False)
    assert link.is_usable()
    time_machine.move_to(link.expires_at, tick=False)
    assert not link.is_usable()


def test_a_revoked_link_is_refused_even_before_it_expires(carla, shared):
    link, _token = shared
    revoked = share_link_revoke(link=link, user=carla)
    assert not revoked.is_usable(revoked.created_at)
    assert not revoked.is_usable(revoked.expires_at - MICROSECOND)


def test_the_page_opens_until_the_instant_of_expiry_and_answers_410_from_it(
    client, shared, time_machine
):
    link, token = shared
    time_machine.move_to(link.expires_at - MICROSECOND, tick=False)
    response = client.get(share_url(token))
    assert response.status_code == 200
    assert "Comitê executivo" in response.content.decode()
    time_machine.move_to(link.expires_at, tick=False)
    response = client.get(share_url(token))
    assert response.status_code == 410
    assert "expir" in response.content.decode()


def test_a_link_expires_at_the_midnight_that_ends_its_last_day(carla, engagement):
    last_day = timezone.localdate() + datetime.timedelta(days=1)
    link, _token = share_link_create(
        engagement=engagement, user=carla, label="Diretoria", expires_on=last_day
    )
    assert timezone.localtime(link.expires_at).time() == datetime.time(0, 0)
    assert timezone.localdate(link.expires_at) == last_day + datetime.timedelta(days=1)
    assert link.last_day == last_day
