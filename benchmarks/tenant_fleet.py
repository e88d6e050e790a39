"""Engagements connected to tenants of the Graph stand-in, for benchmarks/tenants.py.

The first engagement is made by the real services and read once by the real check; the others
are its copies, written with bulk_create (their making is not what is measured): the same
tasks, a TenantConnection row each to a tenant of its own in the stand-in (Contoso's facts
under its own id), and yesterday's reading (the first engagement's observations, their
SHA-256 recomputed for each tenant and moment), so beat finds each one due and its re-check
compares against a previous run, as a daily re-check does.
"""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from engagements.models import Engagement, Membership, Role, Task
from engagements.services.engagements import engagement_create
from engagements.status.refresh import engagement_status_check
from tenants.models import CheckRun, ConnectionState, Observation, TenantConnection, Tier
from tenants.reading import content_sha256, observation_content
from tenants.tasks import tenant_check_once
from tests.graph_tenants import contoso_complete
from tests.tenant_support import app_id, connect

TIER = Tier.SENSITIVE  # every check: the most a reading asks of Graph
# Older than TENANT_CHECK_EVERY_HOURS (24), so beat finds the tenant due.
LAST_READ = datetime.timedelta(hours=25)


def tenant_id(number: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fasttrack-bench-tenant/{number}"))


def first_engagement(entra, also=()) -> Engagement:
    """A fresh database and one engagement (every service and option in scope) connected to
    Contoso's tenant in the stand-in (and in each stand-in of `also`), read once."""
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_catalogue", verbosity=0)
    user = get_user_model().objects.create_user(username="bench", email="bench@bench.example")
    today = timezone.localdate()
    engagement = engagement_create(
        engagement=Engagement(
            customer="Contoso 0000",
            aad_premium=True,
            intune=True,
            azure_rms=True,
            mdm=True,
            mam=True,
            pc_management=True,
            federation=True,
            licence_count=500,
            purchase_date=today - datetime.timedelta(days=60),
            start_date=today - datetime.timedelta(days=30),
        ),
        created_by=user,
    )
    Membership.objects.create(engagement=engagement, user=user, party="customer", role=Role.MANAGER)
    connect(entra, engagement, contoso_complete(tenant_id(0)), by=user, tier=TIER)
    for other in also:
        other.add_tenant(contoso_complete(tenant_id(0)))
        other.grant_consent(tenant_id(0), app_id(TIER))
    outcome, _wait = tenant_check_once(engagement.pk)
    if outcome != "recorded":
        raise RuntimeError(f"The first reading of the stand-in's tenant failed: {outcome}")
    return engagement


def _copy_tasks(template: Engagement, copies: list[Engagement]) -> None:
    """The template's tasks for each copy, a depth at a time so parents exist first."""
    new_pk = {}  # (engagement id, template task pk): the copy's pk
    tasks = list(template.tasks.order_by("depth", "position"))
    for depth in sorted({task.depth for task in tasks}):
        level = [task for task in tasks if task.depth == depth]
        made = []
        for engagement in copies:
            for task in level:
                copy = Task(
                    **{f.attname: getattr(task, f.attname) for f in Task._meta.concrete_fields}
                )
                copy.pk, copy.engagement_id = None, engagement.pk
                if task.parent_id:
                    copy.parent_id = new_pk[engagement.pk, task.parent_id]
                made.append((task.pk, copy))
        Task.objects.bulk_create([copy for _pk, copy in made], batch_size=5000)
        new_pk.update({(copy.engagement_id, pk): copy.pk for pk, copy in made})


def _yesterdays_runs(template: Engagement, copies: list[Engagement], tenants: dict, now):
    """Each copy's previous reading: the template's latest observations, as its tenant."""
    source = CheckRun.objects.filter(engagement=template).first()
    seen = list(source.observations.order_by("pk"))
    runs = CheckRun.objects.bulk_create(
        CheckRun(
            engagement_id=engagement.pk,
            tenant_id=tenants[engagement.pk],
            finished_at=now,
            request_count=source.request_count,
        )
        for engagement in copies
    )
    observations = []
    for run in runs:
        for one in seen:
            values = {"check_key": one.check_key, "check_version": one.check_version}
            values.update(observed_at=now, requests=one.requests, facts=one.facts)
            values["result"] = one.result
            content = observation_content(tenant_id=run.tenant_id, **values)
            observations.append(
                Observation(
                    run=run,
                    engagement_id=run.engagement_id,
                    sha256=content_sha256(content),
                    **values,
                )
            )
    Observation.objects.bulk_create(observations, batch_size=5000)


@transaction.atomic
def connected_fleet(entra, template: Engagement, count: int) -> list[Engagement]:
    """`count` copies of the template, each connected to its own tenant in the stand-in and
    read a day ago; the template itself is disconnected, so beat reads the copies only."""
    now = timezone.now()
    TenantConnection.objects.filter(engagement=template).update(state=ConnectionState.DISCONNECTED)
    values = {
        f.attname: getattr(template, f.attname)
        for f in Engagement._meta.concrete_fields
        if not f.primary_key
    }
    values.update(audit_length=0, audit_head="", created_at=now)
    copies = Engagement.objects.bulk_create(
        Engagement(**{**values, "customer": f"Contoso {number:04}"})
        for number in range(1, count + 1)
    )
    _copy_tasks(template, copies)
    member = Membership.objects.get(engagement=template)
    Membership.objects.bulk_create(
        Membership(
            engagement=engagement, user_id=member.user_id, party=member.party, role=member.role
        )
        for engagement in copies
    )
    tenants = {engagement.pk: tenant_id(n) for n, engagement in enumerate(copies, start=1)}
    for engagement in copies:
        entra.add_tenant(contoso_complete(tenants[engagement.pk]))
        entra.grant_consent(tenants[engagement.pk], app_id(TIER))
    TenantConnection.objects.bulk_create(
        TenantConnection(
            engagement=engagement,
            state=ConnectionState.CONNECTED,
            tier=TIER,
            tenant_id=tenants[engagement.pk],
            tenant_name="Contoso Ltd",
            consented_by_id=member.user_id,
            consented_at=now - datetime.timedelta(days=20),
            last_checked_at=now - LAST_READ,
        )
        for engagement in copies
    )
    _yesterdays_runs(template, copies, tenants, now - LAST_READ)
    # The copies' stored status as the services would keep it (from their own tasks).
    engagement_status_check(repair=True)
    return copies


def analyse():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
