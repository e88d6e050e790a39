"""Seed a PostgreSQL database with N engagements for `make bench` (run once per database).

Every engagement has every service and option in scope (one forest), so each holds the fullest
snapshot of the catalogue (119 tasks). One engagement is created through the real service; the
others copy its tasks in SQL, which is what makes 10,000 engagements (1.2 million tasks) quick
to seed. Ticks follow the phases in order to a point that differs per engagement; about a third
of the open phase tasks have due dates from a week ago to two weeks ahead; each tick is an
activity event; each engagement has a past kick-off, a past call and an upcoming call.

    DATABASE_URL=postgres://.../fasttrack_bench_1000 python benchmarks/seed.py 1000
"""

import datetime
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
django.setup()


from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from engagements.models import Engagement, Task  # noqa: E402
from engagements.services.engagements import engagement_create  # noqa: E402

USERNAME = PASSWORD = "bench"
# Raise when the seed changes, so databases seeded by an older version are seeded again.
SEED_VERSION = "6"


def already_seeded(count: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed (version text, engagements int)")
        cursor.execute("SELECT version, engagements FROM bench_seed")
        return cursor.fetchone() == (SEED_VERSION, count)


def mark_seeded(count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_seed")
        cursor.execute("INSERT INTO bench_seed VALUES (%s, %s)", [SEED_VERSION, count])


@transaction.atomic
def seed(count: int) -> None:
    user = get_user_model().objects.create_superuser(USERNAME, "bench@example.com", PASSWORD)
    today = timezone.localdate()
    template = engagement_create(
        engagement=Engagement(
            customer="Customer 00000",
            aad_premium=True,
            intune=True,
            azure_rms=True,
            mdm=True,
            mam=True,
            pc_management=True,
            federation=True,
            licence_count=500,
            purchase_date=today - datetime.timedelta(days=200),
            start_date=today - datetime.timedelta(days=150),
        ),
        created_by=user,
    )
    params = {"template": template.pk, "user": user.pk, "count": count}
    statements = [
        # The other engagements, started over the last 150 days.
        """INSERT INTO engagements_engagement (customer, aad_premium, intune, azure_rms, mdm, mam,
               pc_management, federation, multiple_forests, licence_count, purchase_date,
               start_date, created_at, audit_length, audit_head, catalogue_version_id)
           SELECT 'Customer ' || lpad(g::text, 5, '0'), true, true, true, true, true, true,
               true, false, 150 + g %% 5000, current_date - (40 + g %% 150),
               current_date - (10 + g %% 150), now() - ((10 + g %% 150) || ' days')::interval,
               0, '', (SELECT catalogue_version_id FROM engagements_engagement
                       WHERE id = %(template)s)
           FROM generate_series(1, %(count)s - 1) g""",
        # Their tasks: the template's snapshot, copied.
        """INSERT INTO engagements_task (engagement_id, responsibility_id, item_version_id,
               phase_id, party, section, depth, position, text_pt, text_en, catalogue_note_pt,
               catalogue_note_en, evidence_required, evidence_hint_pt, evidence_hint_en, done,
               note, awaiting_confirmation)
           SELECT e.id, t.responsibility_id, t.item_version_id, t.phase_id, t.party, t.section,
               t.depth, t.position, t.text_pt, t.text_en, t.catalogue_note_pt,
               t.catalogue_note_en, t.evidence_required, t.evidence_hint_pt, t.evidence_hint_en,
               false, '', false
           FROM engagements_engagement e CROSS JOIN engagements_task t
           WHERE t.engagement_id = %(template)s AND e.id <> %(template)s""",
        """UPDATE engagements_task child SET parent_id = parent.id
           FROM engagements_task model_child
           JOIN engagements_task model_parent ON model_parent.id = model_child.parent_id,
               engagements_task parent
           WHERE model_child.engagement_id = %(template)s
             AND child.engagement_id <> %(template)s
             AND child.position = model_child.position
             AND parent.engagement_id = child.engagement_id
             AND parent.position = model_parent.position""",
        # Ticks, phase by phase, to a point that differs per engagement; six hours apart.
        """WITH ranked AS (
               SELECT t.id, t.engagement_id,
                   row_number() OVER (PARTITION BY t.engagement_id ORDER BY p."order", t.position)
                       AS rank,
                   count(*) OVER (PARTITION BY t.engagement_id) AS total
               FROM engagements_task t JOIN responsibilities_phase p ON p.id = t.phase_id)
           UPDATE engagements_task t SET done = true, done_by_id = %(user)s,
               done_at = least(e.start_date + ranked.rank * interval '6 hours',
                               now() - interval '1 hour')
           FROM ranked JOIN engagements_engagement e ON e.id = ranked.engagement_id
           WHERE t.id = ranked.id
             AND ranked.rank <= ranked.total * ((e.id * 7919) %% 1000) / 1000.0""",
        """UPDATE engagements_task t SET done = true, done_by_id = %(user)s,
               done_at = e.start_date + interval '1 day'
           FROM engagements_engagement e
           WHERE e.id = t.engagement_id AND t.phase_id IS NULL AND t.id %% 3 = 0""",
        """UPDATE engagements_task SET due_date = current_date + (id %% 25 - 8)::int
           WHERE NOT done AND phase_id IS NOT NULL AND id %% 3 = 0""",
        # The events are numbered like a real trail but not hash-chained: verify_audit is not
        # run on benchmark data, and chaining 600,000 events would only slow the seed.
        """INSERT INTO engagements_activityevent (engagement_id, sequence, task_id, actor_id,
               actor_name, party, on_behalf_of, kind, old_value, new_value, changes, reason,
               created_at, previous_hash, hash)
           SELECT engagement_id,
               1 + row_number() OVER (PARTITION BY engagement_id ORDER BY done_at, id),
               id, done_by_id, 'bench', '', '', 'task_done', '', '', '{}'::jsonb, '', done_at,
               '', ''
           FROM engagements_task WHERE done AND engagement_id <> %(template)s""",
        """INSERT INTO engagements_activityevent (engagement_id, sequence, actor_id, actor_name,
               party, on_behalf_of, kind, old_value, new_value, changes, reason, created_at,
               previous_hash, hash)
           SELECT id, 1, %(user)s, 'bench', '', '', 'engagement_created', '', '',
               '{"tasks": 119}'::jsonb, '', created_at, '', ''
           FROM engagements_engagement WHERE id <> %(template)s""",
        """INSERT INTO engagements_checkpoint (engagement_id, phase_id, kind, title, starts_at,
               ends_at, location, agenda, uid, sequence, created_by_id, created_at)
           SELECT e.id, p.id, c.kind, c.title,
               c.starts_at, c.starts_at + interval '1 hour', '', '', gen_random_uuid(), 0,
               %(user)s, now()
           FROM engagements_engagement e
           CROSS JOIN LATERAL (VALUES
               ('kickoff', 'Reunião de lançamento', 'iniciar',
                e.start_date + time '10:00'),
               ('checkpoint_call', 'Chamada de ponto de verificação', 'avaliar',
                e.start_date + 7 + time '10:00'),
               ('checkpoint_call', 'Chamada de ponto de verificação', 'corrigir',
                now() + ((1 + e.id %% 10) || ' days')::interval)
           ) AS c(kind, title, phase_code, starts_at)
           JOIN responsibilities_phase p ON p.code = c.phase_code""",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


def main():
    count = int(sys.argv[1])
    call_command("migrate", verbosity=0)
    if already_seeded(count):
        print(f"{connection.settings_dict['NAME']}: already holds {count} engagements")
        return
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_catalogue", verbosity=0)
    seed(count)
    mark_seeded(count)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{connection.settings_dict['NAME']}: {Engagement.objects.count()} engagements, "
        f"{Task.objects.count()} tasks"
    )


if __name__ == "__main__":
    main()
