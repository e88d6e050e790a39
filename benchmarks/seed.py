"""Seed a PostgreSQL database with N engagements for `make bench` (run once per database).

By default every engagement has every service and option in scope (one forest), so each holds
the fullest snapshot of the catalogue (119 tasks); `--scope=small` puts only Azure AD Premium
in scope, for the 100,000-engagement run (fewer tasks each, so it seeds in minutes). One
engagement is created through the real service; the others copy its tasks in SQL, which is
what makes 10,000 engagements (1.2 million tasks) quick to seed. Ticks follow the phases in
order to a point that differs per engagement; about a third of the open phase tasks have due
dates from a week ago to two weeks ahead; each tick is an activity event; each engagement has
a past kick-off, a past call and an upcoming call.

The seeded events are numbered like a real trail but not hash-chained (verify_audit is not run
on benchmark data); each engagement's chain head is set to its last event, in the engagement
row and the chain heads table, so the services append after it and every seeded engagement
takes ticks. Its stored status is then computed by the same code `engagement_status --rebuild`
runs. Eight Microsoft managers (manager1..manager8, password "bench") each manage the
engagement in the middle of the portfolio and one engagement of their own after it: the ticks
benchmark's managers. A customer manager, `member`, is a member of every engagement: the pages
of someone on thousands of engagements, read through the membership join; their calendar
feed's token is kept in the table bench_secrets.

    DATABASE_URL=postgres://.../fasttrack_bench_1000 python benchmarks/seed.py 1000 [--scope=small]
"""

import argparse
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

from accounts.services import calendar_feed_renew  # noqa: E402
from engagements.models import Engagement, Membership, Role, Task  # noqa: E402
from engagements.models.stored_status import STORED_FIELDS  # noqa: E402
from engagements.services.engagements import engagement_create  # noqa: E402
from engagements.status.refresh import engagement_status_check  # noqa: E402
from responsibilities.models import Party  # noqa: E402

USERNAME = PASSWORD = "bench"
MANAGERS = [f"manager{n}" for n in range(1, 9)]
# Raise when the seed changes, so databases seeded by an older version are seeded again.
SEED_VERSION = "8"
MEMBER = "member"
SCOPES = {
    "full": {
        "aad_premium": True,
        "intune": True,
        "azure_rms": True,
        "mdm": True,
        "mam": True,
        "pc_management": True,
        "federation": True,
    },
    "small": {"aad_premium": True},
}


def already_seeded(count: int, scope: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (version text, engagements int, scope text)"
        )
        cursor.execute("SELECT version, engagements, scope FROM bench_seed")
        return cursor.fetchone() == (SEED_VERSION, count, scope)


def mark_seeded(count: int, scope: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_seed")
        cursor.execute("INSERT INTO bench_seed VALUES (%s, %s, %s)", [SEED_VERSION, count, scope])


def middle_engagements(count: int) -> list[Engagement]:
    """The engagement in the middle of the portfolio (by customer) and the eight after it."""
    return list(Engagement.objects.order_by("customer", "pk")[count // 2 : count // 2 + 9])


@transaction.atomic
def seed(count: int, scope: str) -> None:
    user = get_user_model().objects.create_superuser(USERNAME, "bench@example.com", PASSWORD)
    today = timezone.localdate()
    in_scope = SCOPES[scope]
    template = engagement_create(
        engagement=Engagement(
            customer="Customer 000000",
            **in_scope,
            licence_count=500,
            purchase_date=today - datetime.timedelta(days=200),
            start_date=today - datetime.timedelta(days=150),
        ),
        created_by=user,
    )
    params = {"template": template.pk, "user": user.pk, "count": count}
    stored_columns = ", ".join(STORED_FIELDS)
    statements = [
        # The other engagements, started over the last 150 days; their stored status is the
        # template's until it is recomputed below.
        f"""INSERT INTO engagements_engagement (customer, aad_premium, intune, azure_rms, mdm,
               mam, pc_management, federation, multiple_forests, licence_count, purchase_date,
               start_date, created_at, audit_length, audit_head, catalogue_version_id,
               customer_tenant_id, {stored_columns})
           SELECT 'Customer ' || lpad(g::text, 6, '0'), t.aad_premium, t.intune, t.azure_rms,
               t.mdm, t.mam, t.pc_management, t.federation, false, 150 + g %% 5000,
               current_date - (40 + g %% 150), current_date - (10 + g %% 150),
               now() - ((10 + g %% 150) || ' days')::interval, 0, '', t.catalogue_version_id,
               '', {stored_columns}
           FROM generate_series(1, %(count)s - 1) g
           JOIN engagements_engagement t ON t.id = %(template)s""",
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
               jsonb_build_object('tasks', (SELECT count(*) FROM engagements_task
                                            WHERE engagement_id = %(template)s)),
               '', created_at, '', ''
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
        # Each chain's head at its last event, so the services append after it.
        """UPDATE engagements_engagement e SET audit_length = last.sequence, audit_head = last.hash
           FROM (SELECT DISTINCT ON (engagement_id) engagement_id, sequence, hash
                 FROM engagements_activityevent ORDER BY engagement_id, sequence DESC) last
           WHERE last.engagement_id = e.id AND e.id <> %(template)s""",
        """INSERT INTO responsibilities_auditchainhead (chain, owner, length, head)
           SELECT 'engagement', id, audit_length, audit_head
           FROM engagements_engagement WHERE id <> %(template)s""",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
    member = get_user_model().objects.create_user(MEMBER, "member@example.com", PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO engagements_membership (engagement_id, user_id, party, role)
               SELECT id, %s, 'customer', 'manager' FROM engagements_engagement""",
            [member.pk],
        )
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_secrets (name text, secret text)")
        cursor.execute("DELETE FROM bench_secrets")
        cursor.execute(
            "INSERT INTO bench_secrets VALUES ('member_feed', %s)",
            [calendar_feed_renew(user=member)],
        )
    middle, *own = middle_engagements(count)
    for name, engagement in zip(MANAGERS, own, strict=True):
        manager = get_user_model().objects.create_user(name, f"{name}@example.com", PASSWORD)
        Membership.objects.bulk_create(
            Membership(engagement=shown, user=manager, party=Party.MICROSOFT, role=Role.MANAGER)
            for shown in (middle, engagement)
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--scope", choices=SCOPES, default="full")
    arguments = parser.parse_args()
    count, scope = arguments.count, arguments.scope
    call_command("migrate", verbosity=0)
    if already_seeded(count, scope):
        print(f"{connection.settings_dict['NAME']}: already holds {count} engagements")
        return
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_catalogue", verbosity=0)
    seed(count, scope)
    engagement_status_check(repair=True)
    mark_seeded(count, scope)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{connection.settings_dict['NAME']}: {Engagement.objects.count()} engagements, "
        f"{Task.objects.count()} tasks"
    )


if __name__ == "__main__":
    main()
