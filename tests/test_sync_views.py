"""The planner's pages: the update notice, the preview and the apply, and the task page after."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from engagements.models import Engagement, EventKind, Task
from engagements.services.tasks import task_set_done
from engagements.sync.services import catalogue_apply, version_preview
from responsibilities.models import Phase, Responsibility
from responsibilities.publishing import catalogue_publish
from responsibilities.services import responsibility_save

from .factories import make_user

NEW_KEY = "customer-avaliar-07"


@pytest.fixture
def version_2(engagement, carla, ada):
    """A new Avaliar item, a new wording for an open task and for a done one, a retired item."""
    task_set_done(task=task_of(engagement, "customer-avaliar-01"), user=carla, done=True)
    responsibility_save(
        item=Responsibility(
            key=NEW_KEY,
            party="customer",
            phase=Phase.objects.get(code="avaliar"),
            position=26,
            text_pt="Revise o plano de migração com a Microsoft.",
            text_en="Review the migration plan with Microsoft.",
        ),
        actor=ada,
    )
    items = Responsibility.objects.filter
    items(key="customer-avaliar-01").update(text_pt="Nomeie os participantes do projeto.")
    items(key="customer-avaliar-02").update(text_pt="Compartilhe sua tela quando ajudar.")
    items(key="microsoft-avaliar-01").update(is_active=False)
    return catalogue_publish(note="Avaliar revisto", actor=ada)


def task_of(engagement, key):
    return Task.objects.get(engagement=engagement, responsibility__key=key)


def planner(engagement):
    return reverse("engagement-catalogue", args=[engagement.pk])


def detail(engagement):
    return reverse("engagement-detail", args=[engagement.pk])


def apply_form(engagement, version, **extra):
    preview = version_preview(Engagement.objects.get(pk=engagement.pk), version)
    return {
        "version": version.number,
        "plan": preview.plan.fingerprint,
        "items": [entry.key for entry in preview.plan.actionable],
        **extra,
    }


@pytest.mark.parametrize("persona", ["carla", "miguel", "ada"])
def test_managers_and_staff_are_told_of_an_update(client, engagement, version_2, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (detail(engagement), reverse("engagement-dashboard", args=[engagement.pk])):
        html = client.get(url).content.decode()
        assert "Atualização do catálogo disponível" in html
        assert planner(engagement) in html


def test_viewers_are_not_told_and_an_engagement_on_the_latest_is_not_either(
    client, engagement, vera, carla, version_2
):
    client.force_login(vera)
    assert (
        "Atualização do catálogo disponível" not in client.get(detail(engagement)).content.decode()
    )
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    client.force_login(carla)
    assert (
        "Atualização do catálogo disponível" not in client.get(detail(engagement)).content.decode()
    )


@pytest.mark.parametrize("newer", [False, True])
def test_the_notice_costs_no_query(
    client, carla, engagement, ada, django_assert_num_queries, newer
):
    if newer:
        Responsibility.objects.filter(key="customer-avaliar-02").update(text_en="Changed")
        catalogue_publish(note="Wording", actor=ada)
    client.force_login(carla)
    # The task page's 15, with the tenant's latest reading (none here) and the baseline's
    # phase names in the activity.
    with django_assert_num_queries(17):
        html = client.get(detail(engagement)).content.decode()
    assert ("Atualização do catálogo disponível" in html) == newer


def test_the_preview_tells_each_change_and_what_it_does_here(client, carla, engagement, version_2):
    client.force_login(carla)
    response = client.get(planner(engagement))
    html = response.content.decode()
    effects = {row.entry.key: row.entry.effect for row in response.context["rows"]}
    assert effects == {
        NEW_KEY: "add",
        "customer-avaliar-01": "keep",
        "customer-avaliar-02": "update",
        "microsoft-avaliar-01": "withdraw",
    }
    assert "uma nova tarefa em Avaliar" in html
    assert "a tarefa aberta recebe a nova redação" in html
    assert "mantém sua redação" in html
    assert "Avaliar revisto" in html
    # Nothing changed by looking.
    assert not engagement.tasks.filter(responsibility__key=NEW_KEY).exists()


def test_a_manager_applies_the_chosen_changes(client, carla, engagement, version_2):
    client.force_login(carla)
    data = apply_form(engagement, version_2)
    data["items"] = [NEW_KEY, "customer-avaliar-02"]
    response = client.post(planner(engagement), data)
    assert response.status_code == 302 and response["Location"] == detail(engagement)
    assert task_of(engagement, NEW_KEY).text_pt == "Revise o plano de migração com a Microsoft."
    assert task_of(engagement, "customer-avaliar-02").text_pt == (
        "Compartilhe sua tela quando ajudar."
    )
    assert not task_of(engagement, "microsoft-avaliar-01").is_withdrawn
    page = client.get(response["Location"]).content.decode()
    assert "2 tarefas alteradas." in page and "2 mudanças não foram aplicadas" in page
    event = engagement.events.get(kind=EventKind.CATALOGUE_APPLIED)
    assert sorted(event.changes["not_applied"]) == ["customer-avaliar-01", "microsoft-avaliar-01"]


def test_the_task_page_after_an_apply(client, carla, engagement, version_2):
    client.force_login(carla)
    client.post(planner(engagement), apply_form(engagement, version_2))
    html = client.get(detail(engagement)).content.decode()
    done = task_of(engagement, "customer-avaliar-01")
    row = html[html.index(f'id="task-{done.pk}"') :]
    row = row[: row.index("</li>")]
    assert done.text_pt in row  # the wording it was done under
    assert "O catálogo agora diz:" in row and "Nomeie os participantes do projeto." in row
    assert "Revise o plano de migração com a Microsoft." in html
    withdrawn = task_of(engagement, "microsoft-avaliar-01")
    group = html[html.index('id="withdrawn-tasks"') :]
    assert f'id="task-{withdrawn.pk}"' in group
    assert reverse("task-set-done", args=[engagement.pk, withdrawn.pk]) not in html


def test_a_stale_preview_applies_nothing(client, carla, engagement, version_2):
    client.force_login(carla)
    data = apply_form(engagement, version_2)
    task_set_done(task=task_of(engagement, "customer-avaliar-02"), user=carla, done=True)
    length = engagement.events.count()
    response = client.post(planner(engagement), data, follow=True)
    assert "mudou desde que esta prévia foi feita" in response.content.decode()
    assert engagement.events.count() == length


def test_an_engagement_on_the_latest_version_says_so(client, carla, engagement):
    client.force_login(carla)
    html = client.get(planner(engagement)).content.decode()
    assert "está na versão mais recente" in html


def test_all_matching_never_reaches_a_withdrawn_task(client, carla, engagement, version_2):
    catalogue_apply(engagement=engagement, version=version_2, user=carla)
    client.force_login(carla)
    response = client.post(
        reverse("tasks-bulk", args=[engagement.pk]),
        {"action": "due_date", "due_date": "2026-12-20", "all_matching": "on", "filters": ""},
    )
    assert response.status_code == 302
    assert task_of(engagement, "microsoft-avaliar-01").due_date is None
    assert task_of(engagement, "microsoft-avaliar-02").due_date is not None


@pytest.mark.parametrize("write", [False, True])
def test_viewers_and_leads_are_refused_and_outsiders_get_404(
    client, engagement, version_2, vera, otto, write
):
    lead = make_user("leo")
    lead.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    data = apply_form(engagement, version_2)
    for user, status in ((vera, 403), (lead, 403), (otto, 404)):
        client.force_login(user)
        response = (
            client.post(planner(engagement), data) if write else client.get(planner(engagement))
        )
        assert response.status_code == status
    assert not engagement.tasks.filter(responsibility__key=NEW_KEY).exists()
