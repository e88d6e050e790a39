"""A database from before plans: migrating it gives each phase its typical duration and each
engagement its baseline, from its start date, with no event (nobody made it)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .migrating import migrate

pytestmark = pytest.mark.migrations

BEFORE = [
    ("responsibilities", "0009_audit_chain_head_to_trail"),
    ("engagements", "0036_catalogue_apply_jobs"),
]
AFTER = [
    ("responsibilities", "0010_planning_typical_days"),
    ("engagements", "0038_planning_baselines"),
]


def test_existing_engagements_get_their_baseline(transactional_db, catalogue):
    apps = migrate(BEFORE)
    Engagement = apps.get_model("engagements", "Engagement")
    engagement = Engagement.objects.create(
        customer="Antiga",
        aad_premium=True,
        licence_count=300,
        purchase_date=datetime.date(2026, 1, 5),
        start_date=datetime.date(2026, 1, 10),
    )

    apps = migrate(AFTER)
    Phase = apps.get_model("responsibilities", "Phase")
    assert dict(Phase.objects.values_list("code", "typical_days")) == {
        "iniciar": 10,
        "avaliar": 21,
        "corrigir": 28,
        "habilitar": 35,
    }
    plan = apps.get_model("engagements", "Plan").objects.get(engagement_id=engagement.pk)
    assert (plan.version, plan.made_by_id, plan.reason) == (1, None, "")
    phases = apps.get_model("engagements", "PlannedPhase").objects.filter(plan=plan)
    spans = [(p.starts_on, p.ends_on) for p in phases.order_by("phase__order")]
    assert spans[0] == (datetime.date(2026, 1, 10), datetime.date(2026, 1, 20))
    assert spans[-1][1] == datetime.date(2026, 1, 10) + datetime.timedelta(days=94)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
