"""How the API reads: cursor pages that neither repeat nor skip a row when rows are inserted,
ETags, a fixed number of queries whatever the page size, throttling, and the task page's and
portfolio's filters and sorts."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from api.views.portfolio import SORTS
from engagements.models import Engagement, Task
from engagements.services.tasks import task_set_done, task_set_note
from engagements.status.portfolio import portfolio_rows
from engagements.status.refresh import engagement_status_refresh
from responsibilities.models import Phase

from ..factories import (
    add_tasks,
    catalogue_ensure,
    make_checkpoint,
    make_engagement,
    make_persona,
    make_team_engagement,
    make_user,
)
from ..shared import shared_rows


def every_page(client, url, **params):
    """The ids on each page, following `next` to the end."""
    pages, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.json()
        pages.append([row["id"] for row in response.json()["results"]])
        if not response.json()["next"]:
            return pages
        response = client.get(response.json()["next"])


def test_a_cursor_page_after_inserts_neither_repeats_nor_skips(api, engagement, carla):
    client = api(carla)
    url = reverse("api-task-list", args=[engagement.pk])
    expected = list(engagement.tasks.order_by("position").values_list("pk", flat=True))
    first = client.get(url, {"page_size": 10}).json()
    # Tasks arrive before, among and after the rows still to come (a catalogue sync would).
    Task.objects.bulk_create(
        Task(engagement=engagement, party="customer", position=position, text_pt=f"Nova {n}")
        for n, position in enumerate([0, 12, 13, 10_000])
    )
    seen = [row["id"] for row in first["results"]]
    response = client.get(first["next"])
    while True:
        seen += [row["id"] for row in response.json()["results"]]
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    new = set(Task.objects.filter(text_pt__startswith="Nova ").values_list("pk", flat=True))
    old_seen = [pk for pk in seen if pk not in new]
    assert old_seen == expected  # each earlier task once, in order
    assert len(seen) == len(set(seen))
    # Those placed after the cursor show up; the one before it is for the next full read.
    assert new & set(seen) == set(
        Task.objects.filter(text_pt__in=["Nova 1", "Nova 2", "Nova 3"]).values_list("pk", flat=True)
    )


def test_the_audit_trail_pages_stay_put_while_events_are_added(api, engagement, carla):
    client = api(carla)
    tasks = list(engagement.tasks.filter(party="customer", phase__isnull=False)[:6])
    for task in tasks:
        task_set_note(task=task, user=carla, note="antes")
    before = engagement.events.count()  # its creation and baseline, then the six notes
    url = reverse("api-event-list", args=[engagement.pk])
    first = client.get(url, {"page_size": 3}).json()
    for task in tasks:
        task_set_note(task=task, user=carla, note="depois")  # newer: before the first page
    rest = every_page(client, first["next"])
    sequences = [row["sequence"] for row in first["results"]]
    events = {event.pk: event.sequence for event in engagement.events.all()}
    sequences += [events[pk] for page in rest for pk in page]
    assert sequences == list(range(before, 0, -1))


def test_an_unchanged_read_answers_304_and_a_change_200(api, engagement, carla):
    client = api(carla)
    url = reverse("api-task-list", args=[engagement.pk])
    response = client.get(url)
    etag = response["ETag"]
    assert response.status_code == 200 and etag
    assert response["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response["Vary"]
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and not unchanged.content
    assert unchanged["ETag"] == etag
    task_set_done(
        task=engagement.tasks.filter(party="customer", phase__isnull=False).first(),
        user=carla,
        done=True,
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def build_bigger():
    """conftest.py's `engagement` with more than a page of everything at the smaller size
    and less at the larger one would hide nothing: at least 12 of each kind of row."""
    catalogue_ensure()
    carla, miguel, vera, ada = map(make_persona, ["carla", "miguel", "vera", "ada"])
    engagement = make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)
    add_tasks(engagement, 60, done_by=carla)
    for task in engagement.tasks.filter(party="customer", phase__isnull=False)[:12]:
        task_set_note(task=task, user=carla, note="Nota")
    start = timezone.now() + datetime.timedelta(days=2)
    for day in range(12):
        make_checkpoint(
            engagement,
            carla,
            starts_at=start + datetime.timedelta(days=day),
            attendees=[carla, miguel],
        )
    for number in range(12):
        viewer = make_user(f"leitor{number}")
        engagement.memberships.create(user=viewer, party="customer", role="viewer")
        make_engagement(created_by=carla, customer=f"Cliente {number:02d}").memberships.create(
            user=carla, party="customer", role="manager"
        )
    return engagement


bigger = shared_rows("bigger", build_bigger)


# Queries per request, whatever the page size: the token (with its user) and the user's
# profile, then the list's own: an engagement's lists start with the access check (the
# engagement, its members); the whole lists ask whether the user sees every engagement (their
# permissions: two), then page and compute the statuses (five), except the portfolio, which
# reads the phases, then its page's ids and then their rows with their stored status.
@pytest.mark.parametrize(
    "name, per_engagement, queries",
    [
        ("api-engagement-list", False, 10),
        ("api-portfolio", False, 7),
        ("api-task-list", True, 6),
        ("api-event-list", True, 5),
        ("api-checkpoint-list", True, 6),
        ("api-member-list", True, 5),
    ],
)
def test_a_list_costs_the_same_queries_at_two_page_sizes(
    api, bigger, carla, name, per_engagement, queries, django_assert_num_queries
):
    client = api(carla)
    url = reverse(name, args=[bigger.pk] if per_engagement else [])
    client.get(url)  # the token's last use is written at most once a minute
    for size in (3, 12):
        with django_assert_num_queries(queries):
            response = client.get(url, {"page_size": size})
        assert len(response.json()["results"]) == size


@pytest.mark.parametrize(
    "params",
    [
        {"party": "customer"},
        {"phase": "general"},
        {"phase": "avaliar", "status": "open"},
        {"status": "done"},
        {"due": "overdue"},
        {"due": "none", "party": "microsoft"},
        {"owner": "me"},
        {"owner": "nobody", "q": "Intune"},
    ],
)
def test_the_task_filters_match_the_task_page(api, client, engagement, carla, params):
    tasks = list(engagement.tasks.filter(phase__isnull=False).order_by("position")[:9])
    for task in tasks[:3]:
        task_set_done(task=task, user=carla, done=True)
    Task.objects.filter(pk__in=[t.pk for t in tasks[3:6]]).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )
    Task.objects.filter(pk__in=[t.pk for t in tasks[6:]]).update(owner=carla)
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[engagement.pk]), params)
    on_the_page = {task.pk for group in page.context["groups"] for task in group.tasks}
    listed = every_page(api(carla), reverse("api-task-list", args=[engagement.pk]), **params)
    assert {pk for ids in listed for pk in ids} == on_the_page
    assert on_the_page  # each combination finds something


@pytest.mark.parametrize("sort", SORTS)
def test_the_portfolio_sorts_as_the_page_does_page_after_page(api, engagement, carla, sort):
    """Several engagements, some at risk, some ahead, two sharing a name but for its case."""
    for number, customer in enumerate(["Acme", "acme", "Bravo", "Zulu", "Delta"]):
        other = make_engagement(
            created_by=carla, customer=customer, intune=True, aad_premium=bool(number % 2)
        )
        other.memberships.create(user=carla, party="customer", role="manager")
        for task in other.tasks.filter(party="customer", phase__isnull=False)[:number]:
            task_set_done(task=task, user=carla, done=True)
        if number % 2:
            Task.objects.filter(engagement=other, party="microsoft").update(
                due_date=timezone.localdate() - datetime.timedelta(days=number)
            )
            engagement_status_refresh(engagement_id=other.pk)  # after a write around services
    phases = list(Phase.objects.order_by("order"))
    now = timezone.now()
    expected = [row.engagement.pk for row in portfolio_rows(carla, {"sort": sort}, now, phases)]
    pages = every_page(api(carla), reverse("api-portfolio"), sort=sort, page_size=2)
    assert [pk for ids in pages for pk in ids] == expected
    assert all(len(ids) == 2 for ids in pages[:-1])
    filtered = every_page(api(carla), reverse("api-portfolio"), sort=sort, at_risk="yes")
    assert [pk for ids in filtered for pk in ids] == [
        row.engagement.pk
        for row in portfolio_rows(carla, {"sort": sort, "at_risk": "yes"}, now, phases)
    ]


def test_a_task_says_whether_it_is_withdrawn_or_a_standing_commitment(api, engagement, carla):
    withdrawn = engagement.tasks.exclude(phase=None).first()
    Task.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    standing = engagement.tasks.filter(phase=None).first()
    url = reverse("api-task-list", args=[engagement.pk])
    client = api(carla)
    response = client.get(url, {"page_size": 100})
    shown = {}
    while True:
        shown |= {row["id"]: row for row in response.json()["results"]}
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    assert shown[withdrawn.pk]["withdrawn_at"] is not None
    assert shown[standing.pk]["is_standing"] and shown[standing.pk]["withdrawn_at"] is None


def test_a_portfolio_cursor_goes_on_after_its_row_or_says_it_is_gone(api, engagement, carla):
    for customer in ("Bravo", "Charlie"):
        other = make_engagement(created_by=carla, customer=customer)
        other.memberships.create(user=carla, party="customer", role="manager")
    client = api(carla)
    first = client.get(reverse("api-portfolio"), {"page_size": 1}).json()
    (seen,) = [row["id"] for row in first["results"]]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] != [seen]
    Engagement.objects.get(pk=seen).memberships.filter(user=carla).delete()
    assert client.get(first["next"]).status_code == 404


@pytest.mark.parametrize(
    "who, sort, queries",
    [
        ("carla", "customer", 7),
        ("carla", "-overdue", 7),
        # In an order no index holds, her count and the span of ids first (the narrowing).
        ("carla", "-risk", 9),
        ("carla", "next_checkpoint", 9),
        ("ada", "customer", 5),
        ("ada", "-overdue", 5),
        ("ada", "-risk", 5),
        ("ada", "next_checkpoint", 5),
    ],
)
def test_any_portfolio_page_costs_what_the_first_does(
    api, bigger, who, queries, sort, django_assert_num_queries
):
    """Carla is a member of each engagement, Ada (staff) sees them all: the page after a
    cursor is read by the database from that row on, in as many queries as the first."""
    client = api(get_user_model().objects.get(username=who))
    url = reverse("api-portfolio")
    client.get(url)  # the token's last use is written at most once a minute
    with django_assert_num_queries(queries):
        first = client.get(url, {"sort": sort, "page_size": 5}).json()
    with django_assert_num_queries(queries):
        second = client.get(first["next"]).json()
    assert {row["id"] for row in first["results"]}.isdisjoint(
        row["id"] for row in second["results"]
    )
    assert len(second["results"]) == 5
