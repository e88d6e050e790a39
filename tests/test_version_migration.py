"""A database from before catalogue versions: migrating it makes its catalogue version 1 and
points its engagements, and the tasks that hold their item's texts, at it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .migrating import migrate

pytestmark = pytest.mark.migrations

BEFORE = [
    ("responsibilities", "0006_evidence_rule"),
    ("engagements", "0021_webhooks"),
]
AFTER = [
    ("responsibilities", "0008_version_one"),
    ("engagements", "0023_engagements_on_version_one"),
]


def test_an_existing_catalogue_becomes_version_1(transactional_db, catalogue):
    apps = migrate(BEFORE)
    Responsibility = apps.get_model("responsibilities", "Responsibility")
    Engagement = apps.get_model("engagements", "Engagement")
    Task = apps.get_model("engagements", "Task")
    same, edited = Responsibility.objects.order_by("pk")[:2]
    engagement = Engagement.objects.create(
        customer="Antiga",
        aad_premium=True,
        licence_count=300,
        purchase_date=datetime.date(2026, 1, 5),
        start_date=datetime.date(2026, 1, 10),
    )
    for position, item in enumerate((same, edited), start=1):
        Task.objects.create(
            engagement=engagement,
            responsibility=item,
            party=item.party,
            position=position,
            text_pt=item.text_pt if item == same else "Texto de antes da edição",
            text_en=item.text_en,
            catalogue_note_pt=item.note_pt,
            catalogue_note_en=item.note_en,
        )
    items = Responsibility.objects.count()

    apps = migrate(AFTER)
    version = apps.get_model("responsibilities", "CatalogueVersion").objects.get()
    assert (version.number, version.source, version.items.count()) == (1, "migrated", items)
    engagement = apps.get_model("engagements", "Engagement").objects.get(customer="Antiga")
    assert engagement.catalogue_version_id == version.pk
    tasks = {
        task.responsibility_id: task.item_version
        for task in apps.get_model("engagements", "Task").objects.filter(engagement=engagement)
    }
    assert tasks[same.pk].key == same.key
    assert tasks[edited.pk] is None  # copied from an earlier wording than version 1 holds

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
