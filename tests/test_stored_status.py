"""The stored status: every service keeps it what the rows say, and `engagement_status` finds and
repairs one that is not."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from engagements.gates.evidence import (
    comment_add,
    evidence_add_file,
    evidence_add_link,
    evidence_replace,
)
from engagements.gates.services import gate_reopen, gate_sign, general_acknowledge
from engagements.meetings.services import checkpoint_cancel
from engagements.models import Checkpoint, Engagement, Membership, Role, Task
from engagements.services.engagements import engagement_update
from engagements.services.members import member_change, member_invite, member_remove
from engagements.services.share_links import share_link_create, share_link_revoke
from engagements.services.tasks import (
    task_confirm,
    task_set_done,
    task_set_due_date,
    task_set_note,
    task_set_owner,
    tasks_bulk_change,
)
from engagements.status.refresh import engagement_status_check, engagement_status_refresh
from engagements.sync.services import SCOPE_FIELDS, catalogue_apply, scope_apply
from reports.filing import checkpoint_report_file
from responsibilities.models import Party, Phase, Responsibility
from responsibilities.publishing import catalogue_publish

from .factories import change_checkpoint, make_checkpoint, make_engagement

CLOCK_START = "2026-11-02 12:00"


def stored(engagement) -> Engagement:
    return Engagement.objects.get(pk=engagement.pk)


def test_a_new_engagement_stores_its_status(engagement):
    row = stored(engagement)
    assert row.status_current_phase.code == "iniciar"
    assert row.status_waiting_on == "both"
    phase_tasks = engagement.tasks.exclude(phase=None)
    assert row.status_customer_total == phase_tasks.filter(party=Party.CUSTOMER).count()
    assert row.status_microsoft_total == phase_tasks.filter(party=Party.MICROSOFT).count()
    assert row.status_customer_done == row.status_microsoft_done == 0
    last_event = engagement.events.order_by("sequence").last()
    assert row.status_last_activity_at == row.status_quiet_since == last_event.created_at
    assert row.status_customer_due == row.status_checkpoints == []
    assert engagement_status_check(repair=False) == {}


def test_due_dates_and_checkpoints_are_stored_sorted_with_their_flags(
    clock, engagement, carla, miguel
):
    tasks = list(engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar")[:3])
    for task, day in zip(tasks, [20, 5, 20], strict=True):
        task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 11, day))
    later = make_checkpoint(
        engagement,
        carla,
        phase="iniciar",
        starts_at=timezone.now() + datetime.timedelta(days=9),
        attendees=[],
    )
    make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        attendees=[],
    )
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase__code="iniciar"):
        task_set_done(task=task, user=manager[task.party], done=True)
    row = stored(engagement)
    days = [datetime.date(2026, 11, day) for day in (5, 20, 20)]
    assert row.status_customer_due == days and row.status_first_due == days[0]
    assert row.status_checkpoints[-1] == later.starts_at
    # Avaliar has nothing done; Iniciar is finished.
    assert row.status_checkpoint_behind == [True, False]


def tamper(engagement, **columns):
    Engagement.objects.filter(pk=engagement.pk).update(**columns)


def test_check_names_each_differing_column_and_exits_1(engagement, capsys):
    tamper(engagement, status_customer_done=7, status_first_due=datetime.date(2026, 1, 1))
    with pytest.raises(CommandError, match="1 of 1 stored statuses differ"):
        call_command("engagement_status", "--check")
    assert capsys.readouterr().err.strip() == (
        f"engagement {engagement.pk} (Fabrikam): status_customer_done, status_first_due"
    )
    assert stored(engagement).status_customer_done == 7  # --check changes nothing


def test_rebuild_repairs_only_what_differs(engagement, other_engagement, capsys):
    tamper(engagement, status_phases={}, status_checkpoint_behind=[True])
    call_command("engagement_status", "--rebuild")
    assert "Repaired the stored status of 1 of 2 engagements." in capsys.readouterr().out
    call_command("engagement_status", "--check")
    assert "matches their rows" in capsys.readouterr().out


def test_a_row_written_behind_the_services_back_is_caught(engagement):
    """A bulk update skips the services (and would skip any signal): --check is the net."""
    Task.objects.filter(engagement=engagement, phase__code="iniciar").update(done=True)
    assert set(engagement_status_check(repair=False)[engagement.pk]) >= {
        "status_customer_done",
        "status_microsoft_done",
        "status_phases",
    }


def every_service(engagement, carla, miguel, ada):
    """One call of each service that changes an engagement, in an order that lets each run."""
    iniciar = Phase.objects.get(code="iniciar")
    tasks = list(engagement.tasks.filter(phase=iniciar).order_by("pk"))
    customer_task = next(t for t in tasks if t.party == Party.CUSTOMER)
    microsoft_task = next(t for t in tasks if t.party == Party.MICROSOFT)
    state = {}

    def invite():
        state["nina"] = member_invite(
            engagement=engagement,
            invited_by=carla,
            party=Party.CUSTOMER,
            email="nina@example.com",
            name="Nina Nunes",
            role=Role.VIEWER,
        )

    def promote():
        state["nina"].role = Role.MANAGER
        member_change(membership=state["nina"], changed_by=ada)

    def schedule():
        state["checkpoint"] = make_checkpoint(
            engagement,
            carla,
            phase="iniciar",
            starts_at=timezone.now() + datetime.timedelta(days=2),
            attendees=[carla],
        )

    def evidence():
        state["evidence"] = evidence_add_file(
            task=customer_task,
            user=carla,
            upload=SimpleUploadedFile("plano.pdf", b"%PDF-1.4\n%%EOF\n"),
        )

    def share():
        state["link"], _token = share_link_create(
            engagement=engagement,
            user=carla,
            label="Diretoria",
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )

    def finish_iniciar():
        for party, manager in ((Party.CUSTOMER, carla), (Party.MICROSOFT, miguel)):
            rest = [
                t for t in tasks if t.party == party and t not in (customer_task, microsoft_task)
            ]
            tasks_bulk_change(tasks=rest, user=manager, action="done")

    return [
        (
            "task_set_due_date",
            lambda: task_set_due_date(
                task=customer_task, user=carla, due_date=timezone.localdate()
            ),
        ),
        ("task_set_note", lambda: task_set_note(task=customer_task, user=carla, note="Nota")),
        ("task_set_owner", lambda: task_set_owner(task=customer_task, user=carla, owner=carla)),
        ("member_invite", invite),
        ("member_change", promote),
        ("checkpoint_schedule", schedule),
        (
            "checkpoint_update",
            lambda: change_checkpoint(
                state["checkpoint"],
                carla,
                starts_at=timezone.now() + datetime.timedelta(days=5),
                ends_at=timezone.now() + datetime.timedelta(days=5, hours=1),
            ),
        ),
        (
            "checkpoint_cancel",
            lambda: checkpoint_cancel(checkpoint=state["checkpoint"], user=carla),
        ),
        ("evidence_add_file", evidence),
        (
            "evidence_replace",
            lambda: evidence_replace(
                evidence=state["evidence"], user=carla, url="https://docs.example.com/v2"
            ),
        ),
        (
            "evidence_add_link",
            lambda: evidence_add_link(
                task=microsoft_task, user=miguel, url="https://docs.example.com/ms"
            ),
        ),
        ("comment_add", lambda: comment_add(task=customer_task, user=carla, body="Feito?")),
        ("share_link_create", share),
        ("share_link_revoke", lambda: share_link_revoke(link=state["link"], user=carla)),
        ("task_set_done", lambda: task_set_done(task=customer_task, user=carla, done=True)),
        (
            "task_set_done on behalf",
            lambda: task_set_done(task=microsoft_task, user=carla, done=True),
        ),
        ("task_confirm", lambda: task_confirm(task=microsoft_task, user=miguel)),
        ("tasks_bulk_change", finish_iniciar),
        (
            "general_acknowledge",
            lambda: [
                general_acknowledge(engagement=engagement, user=user) for user in (carla, miguel)
            ],
        ),
        (
            "gate_sign",
            lambda: [
                gate_sign(engagement=engagement, phase=iniciar, user=user)
                for user in (carla, miguel)
            ],
        ),
        (
            "gate_reopen",
            lambda: gate_reopen(
                engagement=engagement, phase=iniciar, user=carla, reason="Faltou a ata"
            ),
        ),
        ("member_remove", lambda: member_remove(membership=state["nina"], removed_by=carla)),
        ("engagement_update", lambda: update_engagement(engagement, ada)),
        ("scope_apply", lambda: change_scope(engagement, carla, mam=True)),
        ("catalogue_apply", lambda: bring_in_a_new_item(engagement, carla, ada)),
        ("a meeting ends", lambda: end_a_meeting(engagement, carla, state)),
        (
            "checkpoint_report_file",
            lambda: checkpoint_report_file(checkpoint_id=state["ended"].pk, now=timezone.now()),
        ),
    ]


def change_scope(engagement, manager, **options):
    engagement = Engagement.objects.get(pk=engagement.pk)
    scope = {name: getattr(engagement, name) for name in SCOPE_FIELDS} | options
    scope_apply(engagement=engagement, scope=scope, user=manager)


def bring_in_a_new_item(engagement, manager, admin):
    Responsibility.objects.create(
        key="customer-avaliar-07",
        party=Party.CUSTOMER,
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    version = catalogue_publish(note="Avaliar", actor=admin)
    catalogue_apply(
        engagement=Engagement.objects.get(pk=engagement.pk), version=version, user=manager
    )


def end_a_meeting(engagement, manager, state):
    """A meeting moved into the past behind the services' back, its status refreshed."""
    state["ended"] = make_checkpoint(
        engagement,
        manager,
        phase="avaliar",
        starts_at=timezone.now() + datetime.timedelta(minutes=1),
        attendees=[manager],
    )
    Checkpoint.objects.filter(pk=state["ended"].pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    engagement_status_refresh(engagement_id=engagement.pk)


def update_engagement(engagement, admin):
    engagement.customer, engagement.start_date = "Fabrikam Brasil", datetime.date(2026, 9, 20)
    engagement_update(
        engagement=engagement, changed_by=admin, changed_fields=["customer", "start_date"]
    )


def test_every_service_leaves_the_stored_status_right(clock, engagement, carla, miguel, ada):
    """A minute passes before each change, so a service that forgot the refresh leaves at
    least the last activity behind, and --check names it."""
    for name, change in every_service(engagement, carla, miguel, ada):
        clock(timezone.now() + datetime.timedelta(minutes=1))
        change()
        assert engagement_status_check(repair=False) == {}, name
    call_command("engagement_status", "--check")


def test_creating_an_engagement_stores_its_status_at_once(catalogue, ada):
    engagement = make_engagement(created_by=ada, customer="Tailspin", intune=True)
    assert engagement.status_current_phase_id is not None  # the returned object has it too
    assert engagement_status_check(repair=False) == {}


def test_members_added_without_the_services_change_nothing_stored(engagement, otto):
    Membership.objects.create(engagement=engagement, user=otto, party=Party.CUSTOMER)
    assert engagement_status_check(repair=False) == {}
