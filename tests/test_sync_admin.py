"""Staff bring a catalogue version into many engagements at once from the admin."""

import datetime

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from engagements.models import CatalogueApplyJob, Engagement, EventKind, Task
from engagements.sync import services as sync
from engagements.sync.jobs import catalogue_apply_job_run, catalogue_apply_job_start, lapsed_jobs
from engagements.sync.services import catalogue_apply
from responsibilities.models import CatalogueVersion, Phase, Responsibility
from responsibilities.publishing import catalogue_publish

CHANGELIST = reverse("admin:engagements_engagement_changelist")
NEW_KEY = "customer-avaliar-07"
CLOCK_START = "2026-10-01 09:00"


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


def test_staff_apply_it_to_every_engagement_chosen_as_a_job_whose_progress_they_see(
    client, ada, engagement, other_engagement, version_2, django_capture_on_commit_callbacks
):
    client.force_login(ada)
    # The job is handed to a worker once it is committed (the tests' Celery runs it inline).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, action([engagement, other_engagement], confirmed="yes", version=2)
        )
    job = CatalogueApplyJob.objects.get()
    assert response["Location"] == reverse(
        "admin:engagements_catalogueapplyjob_change", args=[job.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "sendo aplicada aos engajamentos escolhidos" in page
    assert "2 de 2: 2 aplicados, 0 recusados, 0 com falha" in page
    items = client.get(
        reverse("admin:engagements_catalogueapplyitem_changelist"), {"job__id__exact": job.pk}
    )
    assert {item.tasks_changed for item in items.context["cl"].result_list} == {2}
    assert Task.objects.filter(responsibility__key=NEW_KEY).count() == 2
    assert set(Engagement.objects.values_list("catalogue_version__number", flat=True)) == {2}


def test_one_engagement_failing_leaves_it_untouched_and_the_others_applied(
    client,
    ada,
    engagement,
    other_engagement,
    version_2,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    real = sync.carry_out

    def failing_for_fabrikam(*, engagement, **kwargs):
        changed = real(engagement=engagement, **kwargs)
        if engagement.customer == "Fabrikam":
            raise DatabaseError("disco cheio")
        return changed

    monkeypatch.setattr(sync, "carry_out", failing_for_fabrikam)
    client.force_login(ada)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, action([engagement, other_engagement], confirmed="yes", version=2))
    items = reverse("admin:engagements_catalogueapplyitem_changelist")
    html = client.get(items, {"outcome": "failed"}).content.decode()
    assert "Fabrikam" in html and "disco cheio" in html and "Northwind" not in html
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


def test_a_second_start_while_one_runs_is_refused(
    client, ada, engagement, other_engagement, version_2
):
    client.force_login(ada)
    # No commit in a test's transaction: the first job stays queued, so running.
    client.post(CHANGELIST, action([engagement], confirmed="yes", version=2))
    response = client.post(
        CHANGELIST, action([other_engagement], confirmed="yes", version=2), follow=True
    )
    assert "Uma aplicação do catálogo já está em andamento" in response.content.decode()
    assert CatalogueApplyJob.objects.count() == 1


def test_a_refused_engagement_is_named_with_its_reason_and_the_job_goes_on(
    ada, engagement, other_engagement, version_2
):
    """An engagement already on a newer version refuses; its outcome says why."""
    catalogue_apply(engagement=engagement, version=version_2, user=ada)
    job = catalogue_apply_job_start(
        engagement_ids=[engagement.pk, other_engagement.pk],
        version=CatalogueVersion.objects.get(number=1),
        user=ada,
    )
    assert catalogue_apply_job_run(job.pk, seconds=60) == "finished"
    refused = job.items.get(engagement=engagement)
    assert refused.outcome == "refused"
    assert "já está na versão 2" in refused.reason
    assert job.items.get(engagement=other_engagement).outcome == "done"
    job.refresh_from_db()
    assert not job.running and job.finished_at


def test_a_run_stops_at_its_time_and_the_next_goes_on_without_applying_twice(
    ada, engagement, other_engagement, version_2
):
    job = catalogue_apply_job_start(
        engagement_ids=[engagement.pk, other_engagement.pk], version=version_2, user=ada
    )
    assert catalogue_apply_job_run(job.pk, seconds=0) == "more"  # one engagement, then stop
    assert job.items.filter(outcome="done").count() == 1
    assert catalogue_apply_job_run(job.pk, seconds=60) == "finished"
    for each in (engagement, other_engagement):
        assert each.events.filter(kind=EventKind.CATALOGUE_APPLIED).count() == 1


def test_a_job_held_by_a_worker_is_not_run_by_another_until_the_hold_lapses(
    clock, ada, engagement, version_2
):
    job = catalogue_apply_job_start(engagement_ids=[engagement.pk], version=version_2, user=ada)
    CatalogueApplyJob.objects.filter(pk=job.pk).update(
        held_until=timezone.now() + datetime.timedelta(seconds=30)
    )
    assert catalogue_apply_job_run(job.pk, seconds=60) == "held"
    assert lapsed_jobs(timezone.now()) == []
    clock(timezone.now() + datetime.timedelta(seconds=31))
    assert lapsed_jobs(timezone.now()) == [job.pk]
    assert catalogue_apply_job_run(job.pk, seconds=60) == "finished"
