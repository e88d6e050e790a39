"""My work's page, the top bar's count and the landing after sign-in."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Profile
from engagements.gates.services import general_acknowledge
from engagements.services.tasks import task_set_due_date, task_set_owner
from responsibilities.models import Party

from .test_my_work import WEDNESDAY, many_engagements

CLOCK_START = "2026-11-04 12:00"


def page(client, user):
    client.force_login(user)
    return client.get(reverse("my-work")).content.decode()


def test_anonymous_people_are_refused(client):
    for name in ("my-work", "landing"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    # No sign-in page to swap into the top bar: a plain refusal.
    assert client.get(reverse("my-work-count")).status_code == 403


def test_the_page_lists_each_section_and_links_where_it_is_done(clock, client, engagement, carla):
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    task_set_owner(task=task, user=carla, owner=carla)
    task_set_due_date(task=task, user=carla, due_date=WEDNESDAY - datetime.timedelta(days=1))
    html = page(client, carla)  # Carla reads Portuguese, the portal's default
    assert "Meu trabalho" in html and "Atrasadas (1)" in html
    detail = reverse("engagement-detail", args=[engagement.pk])
    assert f'href="{detail}#task-{task.pk}"' in html
    assert task.text_pt[:40] in html
    assert "03/11/2026" in html  # the due date, in the reader's format
    assert f'href="{detail}#gate-panel-iniciar"' in html  # her party's acknowledgement
    assert "pelo cliente" in html
    assert 'aria-current="page"' in html
    # The top bar's count comes with the page: no second request for it.
    assert 'hx-get="/my-work/count/"' not in html
    assert '<span class="badge">2<' in html


def test_the_page_reads_in_english_for_an_english_reader(clock, client, engagement, miguel):
    Profile.objects.create(user=miguel, language="en")
    html = page(client, miguel)
    assert "My work" in html and "Standing commitments to acknowledge" in html
    assert "by Microsoft" in html
    assert "Meu trabalho" not in html


def test_someone_with_nothing_waiting_is_told_so(clock, client, engagement, vera):
    html = page(client, vera)
    assert "Nada espera por você." in html


def test_other_pages_ask_for_the_count_after_they_are_shown(clock, client, engagement, carla):
    client.force_login(carla)
    html = client.get(reverse("engagement-list")).content.decode()
    assert 'hx-get="/my-work/count/"' in html
    count = client.get(reverse("my-work-count")).content.decode()
    assert '<span class="badge">1<' in count and "esperando por você" in count


def test_the_landing_takes_people_with_work_to_my_work_and_the_others_to_their_list(
    clock, client, engagement, carla, vera
):
    client.force_login(carla)
    assert client.get(reverse("landing"))["Location"] == reverse("my-work")
    general_acknowledge(engagement=engagement, user=carla)
    assert client.get(reverse("landing"))["Location"] == reverse("engagement-list")
    client.force_login(vera)
    assert client.get(reverse("landing"))["Location"] == reverse("engagement-list")


@pytest.mark.parametrize("count", [1, 50])
def test_the_page_and_the_count_cost_the_same_queries_at_any_size(
    clock, client, catalogue, miguel, count, django_assert_num_queries
):
    many_engagements(miguel, count)
    client.force_login(miguel)
    # session, user, profile, then My work's five
    with django_assert_num_queries(8):
        html = client.get(reverse("my-work")).content.decode()
    assert html.count("#task-") == 2 * count  # each overdue task and each tick to confirm
    with django_assert_num_queries(8):
        client.get(reverse("my-work-count"))


def test_the_demo_s_logins_with_work_waiting_land_on_my_work(client, demo):
    landings = {}
    for user in get_user_model().objects.order_by("username"):
        client.force_login(user)
        landings[user.username] = client.get(reverse("landing"))["Location"]
    with_work = {"engineer", "msft", "northwind", "pm", "tailspin"}
    assert {name for name, url in landings.items() if url == reverse("my-work")} == with_work
