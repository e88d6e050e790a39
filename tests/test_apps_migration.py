"""Notifications and webhooks became apps of their own: a database from before keeps its rows
(the tables keep their names), and its staff keep the permissions they were given on them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .migrating import migrate

pytestmark = pytest.mark.migrations

BEFORE = [
    ("engagements", "0031_least_overdue_index"),
    ("contenttypes", "0002_remove_content_type_name"),
]
AFTER = [("notifications", "0001_initial"), ("webhooks", "0001_initial")]


def test_rows_and_permissions_stay_with_the_models_that_moved(transactional_db, ada):
    apps = migrate(BEFORE)
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    old_type = content_type.objects.get_or_create(app_label="engagements", model="notification")[0]
    change = permission.objects.get_or_create(
        content_type=old_type, codename="change_notification", defaults={"name": "Can change"}
    )[0]
    apps.get_model("auth", "User").objects.get(pk=ada.pk).user_permissions.add(change)
    webhook = apps.get_model("engagements", "Webhook").objects.create(
        owner_id=ada.pk, url="https://hooks.example.com/in", secret="s" * 32
    )
    apps.get_model("engagements", "Notification").objects.create(
        key="invitation:1",
        kind="invitation",
        recipient_id=ada.pk,
        due_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
    )

    apps = migrate(AFTER)
    assert apps.get_model("webhooks", "Webhook").objects.get().pk == webhook.pk
    assert apps.get_model("notifications", "Notification").objects.get().key == "invitation:1"
    moved = apps.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
    assert (moved.app_label, moved.model) == ("notifications", "notification")
    user = apps.get_model("auth", "User").objects.get(pk=ada.pk)
    assert list(user.user_permissions.values_list("content_type__app_label", "codename")) == [
        ("notifications", "change_notification")
    ]

    apps = migrate(BEFORE)
    back = apps.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
    assert back.app_label == "engagements"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_earlier_deliveries_name_their_engagement_and_event_type(transactional_db, ada, engagement):
    """Teams channels came with deliveries owed by the clock: those from before keep theirs,
    with the engagement and the receiver's event name their event gives them."""
    apps = migrate([("webhooks", "0001_initial")])
    event = (
        apps.get_model("engagements", "ActivityEvent")
        .objects.filter(engagement_id=engagement.pk)
        .first()
    )
    event.kind = "gate_signed"
    event.save(update_fields=["kind"])
    webhook = apps.get_model("webhooks", "Webhook").objects.create(
        owner_id=ada.pk, url="https://hooks.example.com/in", secret="s" * 32
    )
    apps.get_model("webhooks", "WebhookDelivery").objects.create(
        key=f"webhook:{webhook.pk}:{event.pk}", webhook=webhook, event=event, body="{}"
    )

    apps = migrate([("webhooks", "0002_teams_cards")])
    delivery = apps.get_model("webhooks", "WebhookDelivery").objects.get()
    assert (delivery.engagement_id, delivery.topic) == (engagement.pk, "phase.signed")
    assert apps.get_model("webhooks", "Webhook").objects.get().kind == "json"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
