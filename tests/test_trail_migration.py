"""A database from before the trail app: migrating it hands the chain heads' model to trail
with the same table, so every chain head it kept is still there."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from trail.models import AuditChainHead

pytestmark = pytest.mark.migrations

BEFORE = ("responsibilities", "0008_version_one")
AFTER = ("responsibilities", "0009_audit_chain_head_to_trail")


def migrate(target, *, unapply_trail=False):
    executor = MigrationExecutor(connection)
    executor.migrate([target, ("trail", None)] if unapply_trail else [target])
    return executor.loader.project_state(target).apps


def test_the_chain_heads_kept_before_the_move_are_trails(transactional_db):
    apps = migrate(BEFORE, unapply_trail=True)
    assert ("trail", "0001_initial") not in MigrationRecorder(connection).applied_migrations()
    apps.get_model("responsibilities", "AuditChainHead").objects.create(
        chain="engagement", owner=7, length=3, head="ab" * 32
    )

    apps = migrate(AFTER)
    kept = apps.get_model("trail", "AuditChainHead").objects.get(chain="engagement", owner=7)
    assert (kept.length, kept.head) == (3, "ab" * 32)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert AuditChainHead.objects.filter(chain=AuditChainHead.Chain.ENGAGEMENT, owner=7).exists()
