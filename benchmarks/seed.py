"""Seed a PostgreSQL database with N engagements for `make bench` (run once per database).

By default every engagement has every service and option in scope (one forest), so each holds
the fullest snapshot of the catalogue (119 tasks); `--scope=small` puts only Azure AD Premium
in scope, for the 100,000-engagement run (fewer tasks each, so it seeds in minutes). One
engagement is created through the real service; the others copy its tasks in SQL, which is
what makes 10,000 engagements (1.2 million tasks) quick to seed. Ticks follow the phases in
order to a point that differs per engagement, spread over its weeks at a pace of its own;
about a third of the open phase tasks have due dates from a week ago to two weeks ahead; each
tick is an activity event; each engagement has a past kick-off, a past call and an upcoming
call, and a plan: the baseline from the phases' typical durations and, for a third, a second
version. So most engagements have weeks of throughput and their stored forecast is READY (the
Monte Carlo runs when their status is computed, and on every tick), and their planned ends and
slips differ, which is what the portfolio's slip and planned-end sorts read. A tenth of the
engagements started two days ago and are on track (HEALTHY): all but one of their first
phase's tasks done, no due dates, their second call still ahead; so the "on track" filter
shows a full page at every size, as the others do. The plans have no events of their own in
the trail.

The seeded events are numbered like a real trail but not hash-chained (verify_audit is not run
on benchmark data); each engagement's chain head is set to its last event, in the engagement
row and the chain heads table, so the services append after it and every seeded engagement
takes ticks. Its stored status is then computed by the same code `engagement_status --rebuild`
runs. Eight Microsoft managers (manager1..manager8, password "bench") each manage the
engagement in the middle of the portfolio and one engagement of their own after it: the ticks
benchmark's managers. A customer manager, `member`, is a member of every engagement and owns
its customer tasks that have a due date: the pages of someone on thousands of engagements,
read through the membership join; their calendar feed's token is kept in the table
bench_secrets.

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
SEED_VERSION = "11"
# The engagements started two days ago (ids ending in 5: never quiet, as a multiple of 4 is):
# on track, as a new engagement is when nothing is overdue yet, its first gate waits for no
# sign-off, its next call is days away and its forecast has too little history to say late.
HEALTHY = "e.id %% 10 = 5"
# Those of them the seed moved (not the template, nor the ticks benchmark's engagements).
STARTED_NEW = f"(e.start_date = current_date - 2 AND {HEALTHY})"
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


def customer_name(number: int) -> str:
    """The seeded engagement's customer, as the SQL below names it."""
    return f"Customer {number:06d}"


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
            customer=customer_name(0),
            **in_scope,
            licence_count=500,
            purchase_date=today - datetime.timedelta(days=200),
            start_date=today - datetime.timedelta(days=150),
        ),
        created_by=user,
    )
    params = {
        "template": template.pk,
        "user": user.pk,
        "count": count,
        "middle_from": customer_name(count // 2),
        "middle_to": customer_name(count // 2 + len(MANAGERS)),
    }
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
        # A tenth of them started two days ago and are on track (see HEALTHY): the
        # portfolio's "on track" filter then shows a full page at every size.
        f"""UPDATE engagements_engagement e SET start_date = current_date - 2,
               created_at = now() - interval '2 days'
           WHERE {HEALTHY} AND id <> %(template)s
             AND customer NOT BETWEEN %(middle_from)s AND %(middle_to)s""",
        # Their tasks: the template's snapshot, copied.
        """INSERT INTO engagements_task (engagement_id, responsibility_id, item_version_id,
               phase_id, party, section, depth, position, text_pt, text_en, catalogue_note_pt,
               catalogue_note_en, evidence_required, evidence_hint_pt, evidence_hint_en, done,
               note, awaiting_confirmation, typed_language)
           SELECT e.id, t.responsibility_id, t.item_version_id, t.phase_id, t.party, t.section,
               t.depth, t.position, t.text_pt, t.text_en, t.catalogue_note_pt,
               t.catalogue_note_en, t.evidence_required, t.evidence_hint_pt, t.evidence_hint_en,
               false, '', false, t.typed_language
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
        # Ticks, phase by phase, to a point that differs per engagement (half way for the
        # ticks benchmark's nine, so their forecast runs on every tick), spread from the start
        # to the last activity at a pace of the engagement's own (faster or slower as it goes,
        # each week different), so the forecast has weeks of throughput to draw from. A
        # quarter of the engagements went quiet up to four weeks ago.
        f"""WITH shaped AS (
               SELECT e.id, e.start_date, {STARTED_NEW} AS started_new,
                   CASE WHEN e.customer BETWEEN %(middle_from)s AND %(middle_to)s THEN 0.5
                        ELSE ((e.id * 7919) %% 1000) / 1000.0 END AS fraction,
                   0.5 + (e.id %% 11) / 10.0 AS pace,
                   greatest(now() - CASE WHEN e.id %% 4 = 0
                                         THEN ((e.id / 4) %% 28 || ' days')::interval
                                         ELSE interval '1 hour' END,
                            e.start_date + interval '1 hour')
                       - e.start_date::timestamptz AS span
               FROM engagements_engagement e),
           ranked AS (
               SELECT t.id, t.engagement_id,
                   row_number() OVER (PARTITION BY t.engagement_id ORDER BY p."order", t.position)
                       AS rank,
                   count(*) OVER (PARTITION BY t.engagement_id) AS total,
                   count(*) FILTER (WHERE p."order" = 1) OVER (PARTITION BY t.engagement_id)
                       AS first_phase
               FROM engagements_task t JOIN responsibilities_phase p ON p.id = t.phase_id),
           -- How many of its phase tasks each engagement has done: the new ones all but one
           -- of their first phase's, so its gate waits for none.
           reached AS (
               SELECT ranked.id, ranked.engagement_id, ranked.rank,
                   CASE WHEN s.started_new THEN ranked.first_phase - 1
                        ELSE ranked.total * s.fraction END AS done
               FROM ranked JOIN shaped s ON s.id = ranked.engagement_id)
           UPDATE engagements_task t SET done = true, done_by_id = %(user)s,
               done_at = s.start_date + s.span * power(
                   (reached.rank - 1 + ((t.id * 2654435761) %% 1000) / 1000.0)
                       / greatest(reached.done, 1),
                   s.pace)
           FROM reached JOIN shaped s ON s.id = reached.engagement_id
           WHERE t.id = reached.id AND reached.rank <= reached.done""",
        """UPDATE engagements_task t SET done = true, done_by_id = %(user)s,
               done_at = e.start_date + interval '1 day'
           FROM engagements_engagement e
           WHERE e.id = t.engagement_id AND t.phase_id IS NULL AND t.id %% 3 = 0""",
        f"""UPDATE engagements_task t SET due_date = current_date + (t.id %% 25 - 8)::int
           FROM engagements_engagement e
           WHERE e.id = t.engagement_id AND NOT t.done AND t.phase_id IS NOT NULL
             AND t.id %% 3 = 0 AND NOT {STARTED_NEW}""",
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
        # The baseline from the start date and the phases' typical durations, as
        # plan_baseline makes it; a third re-planned once, each phase stretched or shortened
        # alike (0.8, 1.1 or 1.4 times: the re-planned ids are multiples of 3), so planned
        # ends and slips differ.
        """INSERT INTO engagements_plan (engagement_id, version, reason, made_by_id, made_at)
           SELECT e.id, v.version, CASE WHEN v.version = 1 THEN '' ELSE 'bench' END,
               %(user)s, e.created_at
           FROM engagements_engagement e
           CROSS JOIN (VALUES (1), (2)) AS v(version)
           WHERE e.id <> %(template)s AND (v.version = 1 OR e.id %% 3 = 0)""",
        """WITH phases AS (
               SELECT id, sum(typical_days) OVER (ORDER BY "order") AS ends_after,
                   sum(typical_days) OVER (ORDER BY "order") - typical_days AS starts_after
               FROM responsibilities_phase)
           INSERT INTO engagements_plannedphase (plan_id, phase_id, starts_on, ends_on)
           SELECT plan.id, phases.id,
               e.start_date + (phases.starts_after * s.stretch)::int,
               e.start_date + (phases.ends_after * s.stretch)::int
           FROM engagements_plan plan
           JOIN engagements_engagement e ON e.id = plan.engagement_id
           CROSS JOIN LATERAL (SELECT CASE WHEN plan.version = 1 THEN 1.0
                                           ELSE 0.8 + (e.id %% 9) / 10.0 END AS stretch) s
           CROSS JOIN phases
           WHERE e.id <> %(template)s""",
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
        # The copied rows are consistent by construction; checking their foreign keys one row
        # at a time (deferred to the commit, millions of checks at 100,000 engagements) took
        # longer than writing them. Replica mode skips those triggers for this transaction
        # (it takes a superuser, as the default postgres role is).
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement, params)
    member = get_user_model().objects.create_user(MEMBER, "member@example.com", PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO engagements_membership (engagement_id, user_id, party, role)
               SELECT id, %s, 'customer', 'manager' FROM engagements_engagement""",
            [member.pk],
        )
        # The member owns the customer's open tasks that have a due date: their calendar feed
        # lists those due dates beside the checkpoints.
        cursor.execute(
            """UPDATE engagements_task SET owner_id = %s
               WHERE party = 'customer' AND NOT done AND due_date IS NOT NULL""",
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
        # A migration since the seed may have made an index on an expression of the
        # engagements, which the planner knows nothing of until their table is analysed again.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE engagements_engagement")
        print(f"{connection.settings_dict['NAME']}: already holds {count} engagements")
        return
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_catalogue", verbosity=0)
    seed(count, scope)
    engagement_status_check(repair=True)
    mark_seeded(count, scope)
    with connection.cursor() as cursor:
        # The status rebuild wrote every engagement once more after its indexes were built,
        # which left them half empty (75 MB where 29 MB hold 100,000 engagements): rebuilt, as
        # a restored database has them.
        cursor.execute("REINDEX TABLE engagements_engagement")
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{connection.settings_dict['NAME']}: {Engagement.objects.count()} engagements, "
        f"{Task.objects.count()} tasks"
    )


if __name__ == "__main__":
    main()
