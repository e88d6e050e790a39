"""Creating an engagement snapshots the catalogue items that apply to it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from engagements.models import ActivityEvent, Engagement, EventKind, Task
from engagements.services.engagements import engagement_create
from responsibilities.models import CatalogueVersion, Party, Responsibility
from responsibilities.publishing import catalogue_publish

from .factories import make_engagement


def keys(engagement):
    return set(engagement.tasks.values_list("responsibility__key", flat=True))


def test_every_customer_item_is_copied_whatever_the_scope(catalogue, ada):
    engagement = make_engagement(created_by=ada, azure_rms=True)
    customer_tasks = engagement.tasks.filter(party=Party.CUSTOMER)
    assert customer_tasks.count() == 37


def test_only_the_services_in_scope_are_copied(catalogue, ada):
    engagement = make_engagement(created_by=ada, azure_rms=True)
    copied = keys(engagement)
    assert "microsoft-habilitar-azure-rms-07-c" in copied
    assert "microsoft-habilitar-core-01" in copied
    assert not any(key.startswith("microsoft-habilitar-intune") for key in copied)
    assert not any(key.startswith("microsoft-habilitar-aad-premium") for key in copied)


def test_conditions_decide_the_conditional_items(catalogue, ada):
    single = keys(make_engagement(created_by=ada, intune=True, aad_premium=True, mam=True))
    assert "microsoft-habilitar-intune-06" in single  # MAM
    assert "microsoft-habilitar-intune-06-a" in single
    assert "microsoft-habilitar-intune-05" not in single  # MDM not in scope
    assert "microsoft-habilitar-intune-05-b-ii" not in single  # nor its descendants
    assert "microsoft-habilitar-aad-premium-05" in single  # single forest
    assert "microsoft-habilitar-aad-premium-06" not in single
    assert "microsoft-habilitar-aad-premium-07" not in single  # not federated

    forests = keys(
        make_engagement(created_by=ada, aad_premium=True, federation=True, multiple_forests=True)
    )
    assert "microsoft-habilitar-aad-premium-06-b" in forests
    assert "microsoft-habilitar-aad-premium-05" not in forests
    assert "microsoft-habilitar-aad-premium-07" not in forests  # AD FS only for one forest


def test_everything_in_scope_on_one_forest_leaves_out_only_the_multi_forest_item(catalogue, ada):
    engagement = make_engagement(
        created_by=ada,
        aad_premium=True,
        intune=True,
        azure_rms=True,
        mdm=True,
        mam=True,
        pc_management=True,
        federation=True,
    )
    # One forest: the several-forests item and its 2 sub-items stay out.
    assert engagement.tasks.count() == 122 - 3


def test_tasks_keep_the_tree_and_the_catalogue_text(catalogue, ada):
    engagement = make_engagement(created_by=ada)
    task = Task.objects.get(
        engagement=engagement, responsibility__key="microsoft-habilitar-intune-05-b-ii"
    )
    assert task.depth == 3
    assert task.parent.responsibility.key == "microsoft-habilitar-intune-05-b"
    assert task.parent.parent.responsibility.key == "microsoft-habilitar-intune-05"
    assert task.text_pt == task.responsibility.text_pt
    assert task.text_en == task.responsibility.text_en
    assert task.phase.code == "habilitar"


def test_a_later_catalogue_edit_leaves_the_engagement_alone(catalogue, ada):
    engagement = make_engagement(created_by=ada)
    item = Responsibility.objects.get(key="customer-avaliar-01")
    original = item.text_pt
    item.text_pt = "Texto novo"
    item.save()
    assert engagement.tasks.get(responsibility=item).text_pt == original
    # The edit is a draft: new engagements take it once it is published.
    draft = make_engagement(created_by=ada, customer="Contoso")
    assert draft.tasks.get(responsibility=item).text_pt == original
    catalogue_publish(note="Novo texto", actor=ada)
    newer = make_engagement(created_by=ada, customer="Litware")
    assert newer.tasks.get(responsibility=item).text_pt == "Texto novo"
    assert (newer.catalogue_version.number, draft.catalogue_version.number) == (2, 1)


def test_retired_items_are_left_out_of_new_engagements(catalogue, ada):
    Responsibility.objects.filter(key="microsoft-avaliar-02").update(is_active=False)
    catalogue_publish(note="Aposentado", actor=ada)
    copied = keys(make_engagement(created_by=ada))
    assert "microsoft-avaliar-02" not in copied
    assert "microsoft-avaliar-02-a" not in copied  # its sub-items go with it
    assert "microsoft-avaliar-01" in copied


def test_creation_is_logged(catalogue, ada):
    engagement = make_engagement(created_by=ada)
    event = ActivityEvent.objects.get(engagement=engagement, sequence=1)
    assert (event.kind, event.actor, event.changes["tasks"], event.changes["version"]) == (
        EventKind.ENGAGEMENT_CREATED,
        ada,
        engagement.tasks.count(),
        1,
    )


def test_each_task_records_the_item_version_it_was_copied_from(catalogue, ada):
    engagement = make_engagement(created_by=ada)
    task = engagement.tasks.get(responsibility__key="microsoft-habilitar-intune-05-b")
    assert task.item_version.key == "microsoft-habilitar-intune-05-b"
    assert task.item_version.versions.get() == engagement.catalogue_version
    assert not engagement.tasks.filter(item_version=None).exists()


def test_without_a_published_version_no_engagement_is_made(transactional_db, ada):
    CatalogueVersion.objects.all().delete()
    with pytest.raises(ValidationError, match="load_catalogue"):
        make_engagement(created_by=ada)
    assert not Engagement.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"licence_count": 149}, "150"),
        ({"aad_premium": False, "intune": False, "azure_rms": False}, "pelo menos um serviço"),
        ({"start_date": datetime.date(2026, 8, 1)}, "anterior à data de compra das licenças"),
    ],
)
def test_bad_engagements_are_refused_and_nothing_is_saved(catalogue, ada, change, message):
    fields = {
        "customer": "Tailspin",
        "aad_premium": True,
        "licence_count": 150,
        "purchase_date": datetime.date(2026, 9, 1),
        "start_date": datetime.date(2026, 9, 2),
    }
    with pytest.raises(ValidationError) as error:
        engagement_create(engagement=Engagement(**{**fields, **change}), created_by=ada)
    assert message in str(error.value)
    assert not Engagement.objects.exists()
    assert not Task.objects.exists()
