"""Changing an engagement's services and options through the planner: a preview of the tasks
added or withdrawn, an audited apply, and back again with the same tasks and their history."""

import pytest
from django.urls import reverse

from engagements.models import Engagement, EventKind, Task
from engagements.services.tasks import task_set_done
from engagements.sync.planner import Effect
from engagements.sync.services import SCOPE_FIELDS, PlanChanged, scope_apply, scope_preview
from engagements.verify.checks import engagement_state_problems

MAM = [
    "microsoft-habilitar-intune-06",
    *(f"microsoft-habilitar-intune-06-{x}" for x in "abcd"),
]


def scope_of(engagement, **changes):
    return {name: getattr(engagement, name) for name in SCOPE_FIELDS} | changes


def keys(engagement, **filters):
    return set(
        Task.objects.filter(engagement=engagement, **filters).values_list(
            "responsibility__key", flat=True
        )
    )


def test_the_preview_lists_the_tasks_a_new_option_adds(engagement):
    preview = scope_preview(engagement, scope_of(engagement, mam=True))
    assert {entry.key: entry.effect for entry in preview.plan.entries} == dict.fromkeys(
        MAM, Effect.ADD
    )
    assert not keys(engagement) & set(MAM)


def test_the_scope_there_and_back_keeps_the_same_tasks_and_their_history(engagement, carla, miguel):
    result = scope_apply(engagement=engagement, scope=scope_of(engagement, mam=True), user=carla)
    assert result.changed == 5
    engagement.refresh_from_db()
    assert engagement.mam
    changed = engagement.events.filter(kind=EventKind.ENGAGEMENT_CHANGED).get()
    assert changed.changes == {"mam": [False, True]}
    first = {
        task.responsibility.key: task.pk
        for task in engagement.tasks.filter(responsibility__key__in=MAM).select_related(
            "responsibility"
        )
    }
    done = Task.objects.get(pk=first["microsoft-habilitar-intune-06-a"])
    task_set_done(task=done, user=miguel, done=True)

    preview = scope_preview(engagement, scope_of(engagement, mam=False))
    effects = {entry.key: entry.effect for entry in preview.plan.entries}
    assert effects == dict.fromkeys(MAM, Effect.WITHDRAW) | {
        done.responsibility.key: Effect.STAYS_DONE
    }
    scope_apply(engagement=engagement, scope=scope_of(engagement, mam=False), user=carla)
    assert keys(engagement, withdrawn_at__isnull=False) == set(MAM) - {done.responsibility.key}
    done.refresh_from_db()
    assert done.done and not done.is_withdrawn  # a done task is never withdrawn or unticked

    engagement.refresh_from_db()
    scope_apply(engagement=engagement, scope=scope_of(engagement, mam=True), user=carla)
    again = {
        task.responsibility.key: task.pk
        for task in engagement.tasks.filter(responsibility__key__in=MAM).select_related(
            "responsibility"
        )
    }
    assert again == first  # the same tasks, not new copies
    assert not engagement.tasks.filter(withdrawn_at__isnull=False).exists()
    parent = Task.objects.get(pk=first["microsoft-habilitar-intune-06"])
    assert list(parent.events.order_by("sequence").values_list("kind", flat=True)) == [
        EventKind.TASK_ADDED,
        EventKind.TASK_WITHDRAWN,
        EventKind.TASK_RESTORED,
    ]
    engagement.refresh_from_db()
    assert engagement_state_problems(engagement) == []


def test_more_than_one_forest_swaps_the_single_forest_items(engagement, carla):
    preview = scope_preview(engagement, scope_of(engagement, multiple_forests=True))
    effects = {entry.key: entry.effect for entry in preview.plan.entries}
    assert effects["microsoft-habilitar-aad-premium-06"] == Effect.ADD
    assert effects["microsoft-habilitar-aad-premium-05"] == Effect.WITHDRAW
    assert effects["microsoft-habilitar-core-05-a"] == Effect.WITHDRAW


def test_a_stale_scope_preview_is_refused(engagement, carla, miguel):
    preview = scope_preview(engagement, scope_of(engagement, mam=True))
    scope_apply(engagement=engagement, scope=scope_of(engagement, mam=True), user=miguel)
    engagement.refresh_from_db()
    with pytest.raises(PlanChanged):
        scope_apply(
            engagement=engagement,
            scope=scope_of(engagement, mdm=False),
            user=carla,
            expected=preview.plan.fingerprint,
        )
    engagement.refresh_from_db()
    assert engagement.mdm


def test_the_licence_count_alone_changes_no_task(engagement, carla):
    tasks = list(Task.objects.filter(engagement=engagement).values())
    result = scope_apply(
        engagement=engagement, scope=scope_of(engagement, licence_count=800), user=carla
    )
    assert result.changed == 0
    assert list(Task.objects.filter(engagement=engagement).values()) == tasks
    event = engagement.events.get(kind=EventKind.ENGAGEMENT_CHANGED)
    assert event.changes == {"licence_count": [500, 800]}


def scope_url(engagement):
    return reverse("engagement-scope", args=[engagement.pk])


def form_data(scope, **extra):
    data = {name: "on" for name, value in scope.items() if value is True}
    return data | {"licence_count": scope["licence_count"], **extra}


def test_a_manager_previews_and_applies_a_scope_change(client, carla, engagement):
    client.force_login(carla)
    scope = scope_of(engagement, mam=True)
    response = client.get(scope_url(engagement), form_data(scope, preview="1"))
    html = response.content.decode()
    assert "5 novas tarefas" in html and "aplica-se com o novo escopo" in html
    plan = response.context["form"].initial["plan"]
    assert not keys(engagement) & set(MAM)
    response = client.post(scope_url(engagement), form_data(scope, plan=plan))
    assert response["Location"] == reverse("engagement-detail", args=[engagement.pk])
    assert set(MAM) <= keys(engagement)
    assert Engagement.objects.get(pk=engagement.pk).mam


@pytest.mark.parametrize(
    "change, error",
    [
        ({"licence_count": 149}, "maior ou igual a 150"),
        ({"licence_count": 10_000_001}, "menor ou igual a 10000000"),
        ({"aad_premium": False, "intune": False, "azure_rms": False}, "pelo menos um serviço"),
    ],
)
def test_an_unsound_scope_is_refused_with_the_reason(client, carla, engagement, change, error):
    client.force_login(carla)
    data = form_data(scope_of(engagement, **change), preview="1")
    html = client.get(scope_url(engagement), data).content.decode()
    assert error in html
    response = client.post(scope_url(engagement), form_data(scope_of(engagement, **change)))
    assert response.status_code == 302
    assert Engagement.objects.get(pk=engagement.pk).licence_count == 500


def test_a_scope_change_back_to_what_it_is_says_there_is_nothing_to_change(
    client, carla, engagement
):
    client.force_login(carla)
    response = client.get(scope_url(engagement), form_data(scope_of(engagement), preview="1"))
    assert "já é o escopo do engajamento" in response.content.decode()


def test_the_service_refuses_an_unsound_scope_too(engagement, carla):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        scope_apply(
            engagement=engagement, scope=scope_of(engagement, licence_count=10**8), user=carla
        )
    assert Engagement.objects.get(pk=engagement.pk).licence_count == 500
    assert not engagement.events.filter(kind=EventKind.ENGAGEMENT_CHANGED).exists()
