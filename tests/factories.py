"""Builders for test data; the personas in conftest.py are made with these."""

import codecs
import csv
import datetime
import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.entra import Identity
from engagements.gates.evidence import (
    comment_add,
    evidence_add_file,
    evidence_add_link,
    evidence_replace,
)
from engagements.gates.services import gate_reopen, gate_sign, general_acknowledge
from engagements.journal import event_record
from engagements.meetings.briefs import checkpoint_brief_write
from engagements.meetings.services import (
    checkpoint_cancel,
    checkpoint_schedule,
    checkpoint_update,
)
from engagements.models import (
    Checkpoint,
    CheckpointKind,
    Engagement,
    EventKind,
    Membership,
    Role,
    Task,
)
from engagements.planning.services import plan_change
from engagements.services.engagements import engagement_create, engagement_update
from engagements.services.invitations import invitation_accept_with_microsoft
from engagements.services.members import member_add, member_change, member_remove
from engagements.services.one_off import task_add_one_off
from engagements.services.share_links import share_link_create, share_link_revoke
from engagements.services.tasks import (
    task_confirm,
    task_set_done,
    task_set_due_date,
    task_set_note,
    task_set_owner,
)
from engagements.sync.services import SCOPE_FIELDS, catalogue_apply, scope_apply
from reports.filing import checkpoint_report_file
from responsibilities.models import Party, Phase, Responsibility
from responsibilities.publishing import catalogue_publish
from responsibilities.services import catalogue_load
from tenants.checks import check_set
from tenants.models import ConnectionState, Result, TenantConnection, Tier
from tenants.reading import Seen
from tenants.services import tenant_disconnect, tenant_revoked, tenant_run_record

PASSWORD = "secret-pass"
SAO_PAULO = datetime.timezone(datetime.timedelta(hours=-3))  # no daylight saving since 2019


def at(text, zone=SAO_PAULO):
    """A 'YYYY-MM-DD HH:MM' moment, in São Paulo unless another zone is given."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


def catalogue_ensure():
    """The shipped catalogue, loaded again when a transactional test's flush emptied it."""
    if not Responsibility.objects.exists():
        catalogue_load()


def make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        email=f"{username}@example.com",
        **extra,
    )


def make_persona(name):
    """One of the personas conftest.py names; Ada is staff."""
    admin = {"is_staff": True, "is_superuser": True} if name == "ada" else {}
    return make_user(name, **admin)


def make_team_engagement(*, carla, miguel, vera, ada):
    """conftest.py's `engagement`: Fabrikam, made by Ada, whose managers are Carla for the
    customer and Miguel for Microsoft, and which Vera views for the customer."""
    engagement = make_engagement(created_by=ada)
    for user, party, role in [
        (carla, Party.CUSTOMER, Role.MANAGER),
        (miguel, Party.MICROSOFT, Role.MANAGER),
        (vera, Party.CUSTOMER, Role.VIEWER),
    ]:
        Membership.objects.create(engagement=engagement, user=user, party=party, role=role)
    return engagement


def make_other_engagement(*, otto, ada):
    """conftest.py's `other_engagement`: Northwind, which Otto manages for the customer."""
    engagement = make_engagement(created_by=ada, customer="Northwind", intune=True)
    Membership.objects.create(
        engagement=engagement, user=otto, party=Party.CUSTOMER, role=Role.MANAGER
    )
    return engagement


def tick(task, user):
    """Mark the task done as its manager would: one that needs evidence first gets a link."""
    if task.evidence_required and not task.evidence.exists():
        evidence_add_link(task=task, user=user, url=f"https://docs.example.com/task-{task.pk}")
    return task_set_done(task=task, user=user, done=True)


def make_engagement(*, created_by, customer="Fabrikam", **scope):
    scope = scope or {"aad_premium": True, "intune": True, "azure_rms": True, "mdm": True}
    return engagement_create(
        engagement=Engagement(
            customer=customer,
            licence_count=500,
            purchase_date=datetime.date(2026, 9, 1),
            start_date=datetime.date(2026, 9, 15),
            **scope,
        ),
        created_by=created_by,
    )


def add_tasks(engagement, count, *, done_by=None):
    """Bulk tasks for query-count tests: `count` top-level tasks spread over the phases."""
    phases = [None, *Phase.objects.all()]
    Task.objects.bulk_create(
        Task(
            engagement=engagement,
            phase=phases[index % len(phases)],
            party=Party.values[index % 2],
            position=1000 + index,
            text_pt=f"Tarefa {index}",
            text_en=f"Task {index}",
            done=index % 3 == 0,
            done_by=done_by if index % 3 == 0 else None,
        )
        for index in range(count)
    )


def make_checkpoint(
    engagement, user, *, starts_at, attendees, title="Chamada", phase="avaliar", **extra
):
    """A one-hour checkpoint call, scheduled through the service (so with its reminders)."""
    return checkpoint_schedule(
        engagement=engagement,
        user=user,
        phase=Phase.objects.get(code=phase),
        kind="checkpoint_call",
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        attendees=attendees,
        **extra,
    )


def change_checkpoint(checkpoint, user, **changes):
    """Call the update service with the checkpoint's current fields, but for `changes`."""
    fields = {
        "phase": checkpoint.phase,
        "kind": checkpoint.kind,
        "title": checkpoint.title,
        "starts_at": checkpoint.starts_at,
        "ends_at": checkpoint.ends_at,
        "location": checkpoint.location,
        "agenda": checkpoint.agenda,
        "attendees": list(checkpoint.attendees.all()),
    }
    return checkpoint_update(checkpoint=checkpoint, user=user, **{**fields, **changes})


# The baseline every_kind's engagement starts with (start 15 Sep 2026, typical durations).
PLAN_OF_EVERY_KIND = {
    "iniciar": (datetime.date(2026, 9, 15), datetime.date(2026, 9, 25)),
    "avaliar": (datetime.date(2026, 9, 25), datetime.date(2026, 10, 16)),
    "corrigir": (datetime.date(2026, 10, 16), datetime.date(2026, 11, 13)),
    "habilitar": (datetime.date(2026, 11, 13), datetime.date(2026, 12, 18)),
}


def record_every_kind(engagement, *, manager, admin):
    """One event of each kind, through the services as the portal writes them. The clock must
    stand before 2026-11-10 (the checkpoint is scheduled then); returns the share link."""
    task = engagement.tasks.exclude(phase=None).order_by("position").first()
    task_set_done(task=task, user=manager, done=True)
    task_set_done(task=task, user=manager, done=False, reason="Faltou evidência")
    task_set_note(task=task, user=manager, note="Aguardando o cliente")
    task_set_due_date(task=task, user=manager, due_date=datetime.date(2026, 12, 15))
    plan_change(
        engagement=engagement,
        user=manager,
        dates={
            **PLAN_OF_EVERY_KIND,
            "avaliar": (datetime.date(2026, 9, 25), datetime.date(2026, 10, 30)),
        },
        reason="Licenças atrasadas",
    )
    evidence = evidence_add_file(
        task=task,
        user=manager,
        upload=SimpleUploadedFile("plano.pdf", b"%PDF-1.4\n%%EOF\n"),
        caption="Plano",
    )
    evidence_replace(evidence=evidence, user=manager, url="https://docs.example.com/plano-v2")
    comment_add(task=task, user=manager, body="Enviado ao cliente")
    task_add_one_off(
        engagement=engagement,
        user=manager,
        party=Party.CUSTOMER,
        phase=Phase.objects.get(code="habilitar"),
        text="Validar o acesso condicional",
        language="pt-br",
        due_date=datetime.date(2026, 12, 10),
        evidence_required=True,
    )
    _bring_in_a_version_and_change_the_scope(engagement, manager, admin)
    checkpoint = checkpoint_schedule(
        engagement=engagement,
        user=manager,
        phase=Phase.objects.get(code="avaliar"),
        kind=CheckpointKind.CHECKPOINT_CALL,
        title="Revisão",
        starts_at=at("2026-11-10 10:00"),
        ends_at=at("2026-11-10 11:00"),
        attendees=[manager],
    )
    checkpoint_brief_write(
        checkpoint=checkpoint,
        user=manager,
        summary="Encerramento combinado",
        decisions="",
        next_steps="Revisar o piloto",
    )
    newcomer = make_user("nina")
    membership = member_add(
        membership=Membership(
            engagement=engagement, user=newcomer, party=Party.CUSTOMER, role=Role.VIEWER
        ),
        added_by=manager,
    )
    # Given to the newcomer now, and back to nobody when they are removed below.
    task_set_owner(task=task, user=manager, owner=newcomer)
    checkpoint = change_checkpoint(
        checkpoint,
        manager,
        phase=Phase.objects.get(code="corrigir"),
        kind=CheckpointKind.KICKOFF,
        starts_at=at("2026-11-12 10:00"),
        ends_at=at("2026-11-12 11:30"),
        attendees=[manager, newcomer],
    )
    checkpoint_cancel(checkpoint=checkpoint, user=manager)
    membership.role = Role.MANAGER
    member_change(membership=membership, changed_by=admin)
    member_remove(membership=membership, removed_by=manager)
    engagement.customer, engagement.start_date = "Fabrikam Brasil", datetime.date(2026, 9, 20)
    engagement.federation = True
    engagement_update(
        engagement=engagement,
        changed_by=admin,
        changed_fields=["customer", "start_date", "federation"],
    )
    link, _token = share_link_create(
        engagement=engagement,
        user=manager,
        label="Diretoria",
        expires_on=datetime.date(2026, 12, 1),
    )
    share_link_revoke(link=link, user=manager)
    link.refresh_from_db()
    _sign_and_reopen_a_phase(engagement, manager)
    # A meeting put straight in the table (its scheduling would be a second
    # checkpoint_scheduled event), whose report is filed once it ended.
    closing = Checkpoint.objects.create(
        engagement=engagement,
        phase=Phase.objects.get(code="avaliar"),
        kind=CheckpointKind.CHECKPOINT_CALL,
        title="Encerramento",
        starts_at=at("2026-11-11 10:00"),
        ends_at=at("2026-11-11 11:00"),
    )
    closing.attendees.set([manager])
    checkpoint_report_file(checkpoint_id=closing.pk, now=at("2026-11-11 11:05"))
    # Microsoft's member accepts with Microsoft from Microsoft's own tenant.
    invitation_accept_with_microsoft(
        membership=engagement.memberships.get(party=Party.MICROSOFT, role=Role.MANAGER),
        identity=Identity(
            tenant_id=settings.MICROSOFT_TENANT_IDS[0],
            object_id="a1b2c3d4-0000-4000-8000-00000000ffff",
            name="Miguel",
            email="miguel@example.com",
        ),
    )
    _read_the_tenant(engagement, manager)
    return link


FABRIKAM_TENANT = "5e7d0c1a-3b2f-4e6d-9a8c-7b6e5d4c3b2a"


def _read_the_tenant(engagement, manager):
    """The tenant's events through its services: connected, read twice (directory sync
    confirmed, then stopped on the done task: a drift), disconnected, connected again and found
    revoked. Graph's answers are given as the predicate judged them: what a reading asks of
    Graph is tests/test_tenants.py's to test, against the stand-in."""
    connection = TenantConnection.objects.create(
        engagement=engagement,
        state=ConnectionState.CONNECTED,
        tier=Tier.INTUNE,
        tenant_id=FABRIKAM_TENANT,
        tenant_name="Fabrikam Ltd",
        consented_by=manager,
        consented_at=timezone.now(),
    )
    # As tenant_connect records it once Graph has named the tenant.
    event_record(
        engagement_id=engagement.pk,
        actor=manager,
        kind=EventKind.TENANT_CONNECTED,
        changes={"tenant_id": FABRIKAM_TENANT, "tenant_name": "Fabrikam Ltd", "tier": "intune"},
    )
    check = check_set().by_key()["directory-sync"]

    def reading(result, last_sync):
        seen = Seen(
            check=check,
            requests=[{"path": check.requests[0].path, "request_ids": ["3c1e0b8a"]}],
            facts={"sync_enabled": True, "last_sync": last_sync},
            result=result,
        )
        tenant_run_record(
            engagement_id=engagement.pk,
            tenant_id=FABRIKAM_TENANT,
            seen=[seen],
            request_count=1,
            requested_by=manager,
            now=timezone.now(),
        )

    reading(Result.CONFIRMS, "2026-11-01T09:00:00Z")
    task = engagement.tasks.get(responsibility__key="customer-habilitar-04")
    task_set_done(task=task, user=manager, done=True)
    reading(Result.DOES_NOT_CONFIRM, "2026-10-01T09:00:00Z")
    tenant_disconnect(engagement=engagement, user=manager)
    connection.state = ConnectionState.CONNECTED  # as a new consent leaves it
    connection.save(update_fields=["state"])
    tenant_revoked(
        engagement_id=engagement.pk,
        tenant_id=FABRIKAM_TENANT,
        cause="unauthorized_client: AADSTS700016: Application not found in the directory.",
    )


def acknowledge_general(engagement, *managers):
    """Each manager acknowledges their own party's general responsibilities."""
    for manager in managers:
        general_acknowledge(engagement=engagement, user=manager)


def _bring_in_a_version_and_change_the_scope(engagement, manager, admin):
    """Version 2 (a new item, new wordings for an open and a done task, a retired item) brought
    in; then MAM into the scope, out and back (tasks added, withdrawn and restored)."""
    task_set_done(
        task=engagement.tasks.get(responsibility__key="customer-avaliar-04"),
        user=manager,
        done=True,
    )
    Responsibility.objects.create(
        key="customer-avaliar-07",
        party=Party.CUSTOMER,
        phase=Phase.objects.get(code="avaliar"),
        position=26,
        text_pt="Revise o plano de migração com a Microsoft.",
        text_en="Review the migration plan with Microsoft.",
    )
    items = Responsibility.objects.filter
    items(key="customer-avaliar-04").update(text_en="Attend the meetings on user provisioning.")
    items(key="customer-avaliar-05").update(text_en="Attend the meetings on the online services.")
    items(key="customer-avaliar-06").update(is_active=False)
    version = catalogue_publish(note="Avaliar revisto", actor=admin)
    catalogue_apply(engagement=engagement, version=version, user=manager)
    scope = {name: getattr(engagement, name) for name in SCOPE_FIELDS}
    for mam in (True, False, True):
        scope_apply(engagement=engagement, scope=scope | {"mam": mam}, user=manager)


def _sign_and_reopen_a_phase(engagement, manager):
    """Iniciar finished (one Microsoft task ticked on its behalf, then confirmed), the general
    responsibilities acknowledged, signed off by both parties and reopened."""
    iniciar = Phase.objects.get(code="iniciar")
    other = Membership.objects.get(
        engagement=engagement, role=Role.MANAGER, party=Party.MICROSOFT
    ).user
    tasks = list(engagement.tasks.filter(phase=iniciar, done=False).order_by("pk"))
    behalf = next(task for task in tasks if task.party == Party.MICROSOFT)
    for task in tasks:
        task_set_done(task=task, user=manager if task.party == Party.CUSTOMER else other, done=True)
    task_set_done(task=behalf, user=other, done=False)
    task_set_done(task=behalf, user=manager, done=True)
    task_confirm(task=behalf, user=other)
    acknowledge_general(engagement, manager, other)
    gate_sign(engagement=engagement, phase=iniciar, user=manager, comment="Tudo certo")
    gate_sign(engagement=engagement, phase=iniciar, user=other)
    gate_reopen(engagement=engagement, phase=iniciar, user=manager, reason="Faltou a ata")


def tick_with_evidence(task, user):
    """Mark the task done as its manager would: with a link as evidence when it needs one."""
    if task.evidence_required and not task.evidence.exists():
        evidence_add_link(task=task, user=user, url="https://example.com/evidencia")
    return task_set_done(task=task, user=user, done=True)


def read_csv(response) -> list[list[str]]:
    """A CSV download's rows, read as Excel in the reader's language reads it: UTF-8 after a
    byte order mark, with `;` where the decimal separator is a comma (pt-BR)."""
    data = b"".join(response.streaming_content)
    assert data.startswith(codecs.BOM_UTF8)
    delimiter = ";" if response["Content-Language"].startswith("pt") else ","
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
