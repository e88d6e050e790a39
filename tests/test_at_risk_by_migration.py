"""A database from before status_at_risk_by: migrating it fills the column from the status
already stored, so the "on track" filter is right from the first request."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .migrating import migrate

pytestmark = pytest.mark.migrations

BEFORE = [("engagements", "0043_feed_indexes")]
AFTER = [("engagements", "0044_at_risk_by")]


def test_existing_engagements_get_their_moment(transactional_db, catalogue):
    apps = migrate(BEFORE)
    Engagement = apps.get_model("engagements", "Engagement")
    # Dates relative to today: the stored moment depends on them alone, not on the day it runs.
    today = timezone.localdate()
    facts = {
        "aad_premium": True,
        "licence_count": 300,
        "purchase_date": today - datetime.timedelta(days=60),
        "start_date": today - datetime.timedelta(days=50),
    }
    first_due = today - datetime.timedelta(days=20)
    overdue = Engagement.objects.create(customer="Atrasada", status_first_due=first_due, **facts)
    calm = Engagement.objects.create(customer="Tranquila", **facts)

    apps = migrate(AFTER)
    Engagement = apps.get_model("engagements", "Engagement")
    # Overdue from the day after it is due, wherever one reads: by the next midnight in UTC.
    overdue_by = datetime.datetime.combine(
        first_due + datetime.timedelta(days=2), datetime.time.min, datetime.UTC
    )
    assert dict(Engagement.objects.values_list("pk", "status_at_risk_by")) == {
        overdue.pk: overdue_by,
        calm.pk: None,
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
