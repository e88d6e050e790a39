"""The task page's filters, search, phase sections and bulk changes."""

import datetime
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import ActivityEvent, Engagement, EventKind, Membership, Role, Task
from engagements.services.tasks import task_set_owner
from responsibilities.models import Party, Phase

from .factories import add_tasks, make_user


def page(client, engagement, **filters):
    return client.get(reverse("engagement-detail", args=[engagement.pk]), filters)


def shown(response) -> set[int]:
    return {task.pk for group in response.context["groups"] for task in group.tasks}


def customer(engagement):
    return engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False)


@pytest.fixture
def dated(engagement):
    """Customer tasks due yesterday, today, in 7 days and in 8 days; the rest have none."""
    today = timezone.localdate()
    tasks = list(customer(engagement).order_by("position")[:4])
    for task, days in zip(tasks, (-1, 0, 7, 8), strict=True):
        Task.objects.filter(pk=task.pk).update(due_date=today + datetime.timedelta(days=days))
    return tasks


def test_no_filter_shows_every_task_and_the_count(client, carla, engagement):
    client.force_login(carla)
    response = page(client, engagement)
    assert shown(response) == set(engagement.tasks.values_list("pk", flat=True))
    phase_tasks = engagement.tasks.exclude(phase=None).count()
    standing = engagement.tasks.filter(phase=None).count()
    html = response.content.decode()
    assert f"{phase_tasks} tarefas nas fases, {standing} compromissos permanentes" in html


def test_the_task_count_agrees_with_the_progress(client, carla, engagement):
    """Standing commitments are not in the progress, so the count names them apart."""
    Task.objects.filter(pk=customer(engagement).first().pk).update(done=True)
    client.force_login(carla)
    html = page(client, engagement).content.decode()
    total = engagement.tasks.exclude(phase=None).count()
    assert f"1 de {total} tarefas concluídas" in html
    count = re.search(r'<p class="count" id="task-results" role="status">(.*?)</p>', html).group(1)
    assert count.startswith(f"{total} tarefas nas fases, ")


def test_party_and_phase_filters(client, carla, engagement):
    client.force_login(carla)
    avaliar = Phase.objects.get(code="avaliar")
    response = page(client, engagement, party="microsoft", phase="avaliar")
    expected = engagement.tasks.filter(party=Party.MICROSOFT, phase=avaliar)
    assert shown(response) == set(expected.values_list("pk", flat=True)) != set()
    general = page(client, engagement, phase="general")
    assert shown(general) == set(engagement.tasks.filter(phase=None).values_list("pk", flat=True))


def test_status_filter(client, carla, engagement):
    done = customer(engagement).first()
    Task.objects.filter(pk=done.pk).update(done=True)
    client.force_login(carla)
    assert shown(page(client, engagement, status="done")) == {done.pk}
    assert done.pk not in shown(page(client, engagement, status="open"))


def test_due_filters_at_their_edges(client, carla, engagement, dated):
    yesterday, today, in_seven, in_eight = (task.pk for task in dated)
    client.force_login(carla)
    assert shown(page(client, engagement, due="overdue")) == {yesterday}  # today is not overdue
    assert shown(page(client, engagement, due="week")) == {today, in_seven}
    no_date = shown(page(client, engagement, due="none"))
    assert not no_date & {yesterday, today, in_seven, in_eight}
    assert len(no_date) == engagement.tasks.count() - 4


def test_the_due_filter_takes_overdue_and_the_next_7_days_together(
    client, carla, engagement, dated
):
    yesterday, today, in_seven, in_eight = (task.pk for task in dated)
    Task.objects.filter(pk=yesterday).update(done=True)
    client.force_login(carla)
    assert shown(page(client, engagement, due="soon")) == {today, in_seven}
    Task.objects.filter(pk=yesterday).update(done=False)
    assert shown(page(client, engagement, due="soon")) == {yesterday, today, in_seven}


def test_standing_commitments_come_after_the_phase_work(client, carla, engagement):
    client.force_login(carla)
    html = page(client, engagement).content.decode()
    sections = re.findall(r'<details id="(phase-[a-z]+)"', html)
    assert sections == [
        "phase-iniciar",
        "phase-avaliar",
        "phase-corrigir",
        "phase-habilitar",
        "phase-general",
    ]
    jump = re.search(r'<nav class="jump".*?</nav>', html, re.S).group(0)
    assert jump.index("#phase-habilitar") < jump.index("#phase-general")


def test_filtering_opens_the_page_at_the_results(client, carla, engagement):
    """The filters are a screen high on a phone: the form's answer opens at the count."""
    client.force_login(carla)
    html = page(client, engagement).content.decode()
    assert '<form method="get" action="#task-results" class="filters"' in html
    assert html.count('id="task-results"') == 1


def test_a_done_task_is_neither_overdue_nor_due_this_week(client, carla, engagement, dated):
    Task.objects.filter(pk__in=[dated[0].pk, dated[1].pk]).update(done=True)
    client.force_login(carla)
    assert shown(page(client, engagement, due="overdue")) == set()
    assert shown(page(client, engagement, due="week")) == {dated[2].pk}


def test_owner_filters(client, carla, vera, engagement):
    mine, veras = customer(engagement).order_by("position")[:2]
    task_set_owner(task=mine, user=carla, owner=carla)
    task_set_owner(task=veras, user=carla, owner=vera)
    client.force_login(carla)
    assert shown(page(client, engagement, owner="me")) == {mine.pk}
    assert shown(page(client, engagement, owner=vera.pk)) == {veras.pk}
    nobody = shown(page(client, engagement, owner="nobody"))
    assert {mine.pk, veras.pk}.isdisjoint(nobody) and len(nobody) == engagement.tasks.count() - 2


def test_search_finds_the_text_in_either_language(client, carla, engagement):
    task = customer(engagement).first()
    Task.objects.filter(pk=task.pk).update(
        text_pt="Cadastrar o quokka", text_en="Register the wombat"
    )
    client.force_login(carla)
    assert shown(page(client, engagement, q="QUOKKA")) == {task.pk}
    assert shown(page(client, engagement, q="the wombat")) == {task.pk}


def test_filters_combine_and_the_page_offers_a_reset(client, carla, engagement, dated):
    Task.objects.filter(pk=dated[0].pk).update(owner=carla)
    client.force_login(carla)
    response = page(client, engagement, party="customer", due="overdue", owner="me", status="open")
    assert shown(response) == {dated[0].pk}
    html = response.content.decode()
    assert "Correspondem aos filtros: 1 tarefa nas fases</p>" in html
    assert (
        f'href="{reverse("engagement-detail", args=[engagement.pk])}#task-results">Limpar filtros'
        in html
    )


def test_a_bad_filter_value_is_ignored_not_an_error(client, carla, engagement):
    client.force_login(carla)
    response = page(client, engagement, party="martians", owner="99999999999999999999", due="x")
    assert response.status_code == 200
    assert shown(response) == set(engagement.tasks.values_list("pk", flat=True))


def test_a_phase_whose_tasks_are_all_done_is_folded_unless_filtered(client, carla, engagement):
    Task.objects.filter(engagement=engagement, phase__code="iniciar").update(done=True)
    client.force_login(carla)
    html = page(client, engagement).content.decode()
    assert '<details id="phase-iniciar" class="phase-section">' in html
    assert '<details id="phase-avaliar" class="phase-section" open>' in html
    assert 'href="#phase-avaliar"' in html  # the jump links
    filtered = page(client, engagement, status="done").content.decode()
    assert '<details id="phase-iniciar" class="phase-section" open>' in filtered


def test_the_dashboard_links_to_the_task_page_filtered_the_same_way(
    client, carla, engagement, dated
):
    client.force_login(carla)
    html = client.get(reverse("engagement-dashboard", args=[engagement.pk])).content.decode()
    link = f"{reverse('engagement-detail', args=[engagement.pk])}?party=customer&amp;due=overdue"
    assert f'<a href="{link}">' in html
    response = page(client, engagement, party="customer", due="overdue")
    assert shown(response) == {dated[0].pk}


COMBINATIONS = [
    dict(zip(("party", "due", "owner", "status", "q"), values, strict=True))
    for values in itertools.product(
        ["", "customer"],
        ["", "overdue", "week", "none"],
        ["", "me", "nobody"],
        ["", "open"],
        ["", "x"],
    )
]


# Only the rows added here, so that a query per row would show: ten times the rows, the same
# count.
@pytest.mark.parametrize("task_count", [4, 40])
def test_every_filter_combination_costs_the_same_queries(
    client, carla, catalogue, django_assert_num_queries, task_count
):
    engagement = Engagement.objects.create(
        customer="Sized",
        aad_premium=True,
        licence_count=200,
        purchase_date="2026-01-01",
        start_date="2026-01-02",
    )
    Membership.objects.create(
        engagement=engagement, user=carla, party=Party.CUSTOMER, role=Role.MANAGER
    )
    add_tasks(engagement, task_count, done_by=carla)
    client.force_login(carla)
    for filters in COMBINATIONS:
        params = {name: value for name, value in filters.items() if value}
        # with evidence, comments, sign-offs, acknowledgements, the tenant's latest reading
        with django_assert_num_queries(16):
            page(client, engagement, **params)


def bulk(client, engagement, **data):
    return client.post(reverse("tasks-bulk", args=[engagement.pk]), data)


def test_a_bulk_tick_changes_each_task_with_its_own_event(client, carla, engagement):
    tasks = list(customer(engagement).filter(evidence_required=False).order_by("position")[:5])
    client.force_login(carla)
    response = bulk(client, engagement, action="done", tasks=[t.pk for t in tasks])
    assert response.status_code == 302
    assert all(Task.objects.get(pk=t.pk).done for t in tasks)
    events = ActivityEvent.objects.filter(kind=EventKind.TASK_DONE, task__in=tasks)
    assert sorted(e.task_id for e in events) == sorted(t.pk for t in tasks)


def test_a_bulk_change_with_one_task_not_the_user_s_changes_nothing(client, carla, engagement):
    mixed = [
        customer(engagement).first(),
        engagement.tasks.filter(party=Party.MICROSOFT, phase__isnull=False).first(),
    ]
    client.force_login(carla)
    before = ActivityEvent.objects.count()
    response = bulk(client, engagement, action="done", tasks=[t.pk for t in mixed])
    assert response.status_code == 403
    assert "Nada foi alterado: 1 das tarefas escolhidas" in response.content.decode()
    assert not Task.objects.filter(pk__in=[t.pk for t in mixed], done=True).exists()
    assert ActivityEvent.objects.count() == before


def test_a_bulk_owner_one_task_cannot_take_undoes_them_all(client, carla, miguel, engagement):
    tasks = list(customer(engagement)[:2]) + [
        engagement.tasks.filter(party=Party.MICROSOFT, phase__isnull=False)[0]
    ]
    Membership.objects.filter(engagement=engagement, user=miguel).delete()
    client.force_login(carla)  # may change Microsoft's tasks now it has no manager
    stranger = make_user("sofia")
    Membership.objects.create(
        engagement=engagement, user=stranger, party=Party.CUSTOMER, role=Role.VIEWER
    )
    before = ActivityEvent.objects.count()
    response = bulk(
        client, engagement, action="owner", owner=stranger.pk, tasks=[t.pk for t in tasks]
    )
    assert response.status_code == 302
    assert not Task.objects.filter(owner=stranger).exists()
    assert ActivityEvent.objects.count() == before
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("Nada foi alterado" in m for m in messages)


def test_all_matching_applies_the_page_s_filters(client, carla, engagement, dated):
    client.force_login(carla)
    response = bulk(
        client,
        engagement,
        action="due_date",
        due_date="2026-12-18",
        all_matching="1",
        filters="party=customer&due=week",
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?party=customer&due=week")
    changed = set(Task.objects.filter(due_date="2026-12-18").values_list("pk", flat=True))
    assert changed == {dated[1].pk, dated[2].pk}


def test_a_bulk_change_needs_tasks_and_a_date_to_set(client, carla, engagement):
    client.force_login(carla)
    before = ActivityEvent.objects.count()
    bulk(client, engagement, action="done")
    bulk(client, engagement, action="due_date", tasks=[customer(engagement).first().pk])
    assert ActivityEvent.objects.count() == before


def test_a_task_of_another_engagement_is_not_found(client, carla, engagement, other_engagement):
    client.force_login(carla)
    foreign = other_engagement.tasks.exclude(phase=None).first()
    response = bulk(client, engagement, action="done", tasks=[foreign.pk])
    assert response.status_code == 404
    assert not Task.objects.get(pk=foreign.pk).done


def test_all_matching_with_a_filter_that_no_longer_holds_changes_nothing(client, carla, engagement):
    client.force_login(carla)
    before = ActivityEvent.objects.count()
    response = bulk(
        client, engagement, action="done", all_matching="1", filters="owner=12345&status=open"
    )
    assert response.status_code == 302
    assert not engagement.tasks.filter(done=True).exists()
    assert ActivityEvent.objects.count() == before


def test_a_task_id_no_column_can_hold_is_refused_not_a_500(client, carla, engagement):
    client.force_login(carla)
    response = bulk(client, engagement, action="done", tasks=["99999999999999999999"])
    assert response.status_code == 302
    assert not engagement.tasks.filter(done=True).exists()
