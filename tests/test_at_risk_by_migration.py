"""A database from before status_at_risk_by: migrating it fills the column from the status
already stored, so the "on track" filter is right from the first request."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .migrating import migrate

pytestmark = pytest.mark.migrations

BEFORE = [("engagements", "0043_feed_indexes")]
AFTER = [("engagements", "0044_at_risk_by")]


def test_existing_engagements_get_their_moment(transactional_db, catalogue):
    apps = migrate(BEFORE)
    Engagement = apps.get_model("engagements", "Engagement")
    facts = {
        "aad_premium": True,
        "licence_count": 300,
        "purchase_date": datetime.date(2026, 1, 5),
        "start_date": datetime.date(2026, 1, 10),
    }
    overdue = Engagement.objects.create(
        customer="Atrasada", status_first_due=datetime.date(2026, 2, 1), **facts
    )
    calm = Engagement.objects.create(customer="Tranquila", **facts)

    apps = migrate(AFTER)
    Engagement = apps.get_model("engagements", "Engagement")
    assert dict(Engagement.objects.values_list("pk", "status_at_risk_by")) == {
        overdue.pk: datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC),
        calm.pk: None,
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
