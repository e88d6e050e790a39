"""Staff bring a catalogue version into many engagements at once from the admin."""

import pytest
from django.db import DatabaseError
from django.urls import reverse

from engagements.models import Engagement, Task
from engagements.sync import services as sync
from responsibilities.models import Phase, Responsibility
from responsibilities.publishing import catalogue_publish

CHANGELIST = reverse("admin:engagements_engagement_changelist")
NEW_KEY = "customer-avaliar-07"


@pytest.fixture
def version_2(engagement, other_engagement, ada):
    Responsibility.objects.create(
        key=NEW_KEY,
        party="customer",
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    Responsibility.objects.filter(key="microsoft-habilitar-intune-01").update(text_en="Changed")
    return catalogue_publish(note="Avaliar e Intune", actor=ada)


def action(engagements, **extra):
    return {
        "action": "bring_in_the_latest_catalogue",
        "_selected_action": [engagement.pk for engagement in engagements],
        **extra,
    }


def test_staff_preview_how_many_tasks_each_engagement_would_change(
    client, ada, engagement, other_engagement, version_2
):
    client.force_login(ada)
    response = client.post(CHANGELIST, action([engagement, other_engagement]))
    assert response.status_code == 200
    counts = {
        preview.engagement.customer: preview.plan.counts()
        for preview in response.context["previews"]
    }
    # Both gain the new customer task; both have Intune in scope, so its open task is updated.
    assert counts["Fabrikam"]["add"] == counts["Northwind"]["add"] == 1
    assert counts["Fabrikam"]["update"] == counts["Northwind"]["update"] == 1
    assert "Aplicar a estes engajamentos" in response.content.decode()
    assert not Task.objects.filter(responsibility__key=NEW_KEY).exists()


def test_staff_apply_it_to_every_engagement_chosen(
    client, ada, engagement, other_engagement, version_2
):
    client.force_login(ada)
    response = client.post(
        CHANGELIST,
        action([engagement, other_engagement], confirmed="yes", version=2),
        follow=True,
    )
    assert "Versão 2 aplicada em 2 engajamentos (4 tarefas alteradas)." in (
        response.content.decode()
    )
    assert Task.objects.filter(responsibility__key=NEW_KEY).count() == 2
    assert set(Engagement.objects.values_list("catalogue_version__number", flat=True)) == {2}


def test_one_engagement_failing_leaves_it_untouched_and_the_others_applied(
    client, ada, engagement, other_engagement, version_2, monkeypatch
):
    real = sync.carry_out

    def failing_for_fabrikam(*, engagement, **kwargs):
        changed = real(engagement=engagement, **kwargs)
        if engagement.customer == "Fabrikam":
            raise DatabaseError("disco cheio")
        return changed

    monkeypatch.setattr(sync, "carry_out", failing_for_fabrikam)
    client.force_login(ada)
    response = client.post(
        CHANGELIST,
        action([engagement, other_engagement], confirmed="yes", version=2),
        follow=True,
    )
    html = response.content.decode()
    assert "Fabrikam ficou como estava: disco cheio" in html
    assert "Versão 2 aplicada em 1 engajamento" in html
    assert not engagement.tasks.filter(responsibility__key=NEW_KEY).exists()
    assert other_engagement.tasks.filter(responsibility__key=NEW_KEY).exists()


def test_a_version_published_between_preview_and_apply_is_not_applied_unseen(
    client, ada, engagement, version_2
):
    Responsibility.objects.filter(key="customer-avaliar-02").update(text_en="Newer still")
    catalogue_publish(note="Outra", actor=ada)
    client.force_login(ada)
    response = client.post(CHANGELIST, action([engagement], confirmed="yes", version=2))
    assert response.status_code == 200  # the preview again, of version 3
    assert response.context["version"].number == 3
    engagement.refresh_from_db()
    assert engagement.catalogue_version.number == 1
