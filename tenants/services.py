"""Connecting a customer's tenant and keeping what it says: the connection once consented
(tenants/consent.py asks for it), revocation, the runs' observations in the trail and the drifts
(a tick that takes an observation as evidence: tenants/evidence.py).

The portal never ticks or unticks a task by itself: people decide, the tenant testifies.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, Task
from fasttrack import bounds
from fasttrack.formatting import format_datetime
from tenants.checks import check_set
from tenants.graph import access_token, graph_read
from tenants.models import (
    CheckRun,
    ConnectionState,
    Drift,
    Observation,
    Result,
    TenantConnection,
)
from tenants.reading import Seen, content_sha256, observation_content


def tenant_connect(
    *, engagement: Engagement, user, tier: str, tenant_id: str, now
) -> TenantConnection:
    """Record the consent an administrator of `tenant_id` gave: the portal first reads the
    tenant's name with the new consent, so a consent that does not work is never recorded."""
    access = engagement_access(engagement, user)
    if not access.can_connect_tenant:
        raise PermissionDenied(_("Only the customer's managers connect the customer's tenant."))
    try:
        bounds.validate_tenant_id(tenant_id)
    except ValidationError:
        raise ValidationError(_("Microsoft's answer named no tenant: nothing changed.")) from None
    expected = engagement.customer_tenant_id
    if expected and tenant_id.lower() != expected.lower():
        raise ValidationError(
            _(
                "The consent came from tenant %(given)s, but this engagement's customer signs in "
                "from tenant %(expected)s. Sign in to Microsoft as an administrator of the "
                "customer's tenant and connect again."
            )
            % {"given": tenant_id, "expected": expected}
        )
    organization = graph_read(
        access_token(tier, tenant_id), "/v1.0/organization?$select=id,displayName"
    )
    name = (organization.items or [{}])[0].get("displayName", "")[:256]
    with transaction.atomic():
        Engagement.objects.select_for_update().only("pk").get(pk=engagement.pk)
        connection, _created = TenantConnection.objects.get_or_create(
            engagement=engagement, defaults={"tier": tier}
        )
        connection.state = ConnectionState.CONNECTED
        connection.tier = tier
        connection.tenant_id = tenant_id
        connection.tenant_name = name
        connection.consented_by = user
        connection.consented_at = now
        connection.revoked_reason = ""
        connection.not_before = None
        connection.save()
        event_record(
            engagement_id=engagement.pk,
            actor=user,
            kind=EventKind.TENANT_CONNECTED,
            changes={"tenant_id": tenant_id, "tenant_name": name, "tier": tier},
        )
        engagement_changed(engagement_id=engagement.pk)
    return connection


def _connection_locked(engagement_id: int) -> TenantConnection | None:
    Engagement.objects.select_for_update().only("pk").get(pk=engagement_id)
    return TenantConnection.objects.select_for_update().filter(engagement_id=engagement_id).first()


@transaction.atomic
def tenant_disconnect(*, engagement: Engagement, user) -> None:
    """Stop reading the tenant. What it said stays in the trail; the administrator removes the
    app from the tenant's enterprise applications to withdraw the consent itself."""
    access = engagement_access(engagement, user)
    if not access.can_connect_tenant:
        raise PermissionDenied(_("Only the customer's managers disconnect the customer's tenant."))
    connection = _connection_locked(engagement.pk)
    if connection is None or connection.state != ConnectionState.CONNECTED:
        raise ValidationError(_("The customer's tenant is not connected."))
    connection.state = ConnectionState.DISCONNECTED
    connection.save(update_fields=["state"])
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        kind=EventKind.TENANT_DISCONNECTED,
        changes={"tenant_id": connection.tenant_id, "tenant_name": connection.tenant_name},
    )
    engagement_changed(engagement_id=engagement.pk)


@transaction.atomic
def tenant_revoked(*, engagement_id: int, tenant_id: str, cause: str) -> bool:
    """The tenant refused the portal (consent withdrawn, app deleted): checks stop and the
    managers are told (notifications listen to the event). False if it was already so."""
    connection = _connection_locked(engagement_id)
    if connection is None or connection.state != ConnectionState.CONNECTED:
        return False
    if connection.tenant_id != tenant_id:
        return False
    connection.state = ConnectionState.REVOKED
    connection.revoked_reason = cause[:500]
    connection.save(update_fields=["state", "revoked_reason"])
    event_record(
        engagement_id=engagement_id,
        actor=None,
        kind=EventKind.TENANT_REVOKED,
        changes={"tenant_id": tenant_id, "cause": cause[:500]},
    )
    engagement_changed(engagement_id=engagement_id)
    return True


def tenant_check_request(*, engagement: Engagement, user, now) -> TenantConnection:
    """ "Check now": allowed once per cooldown per tenant, whoever asks."""
    access = engagement_access(engagement, user)
    if not access.can_check_tenant:
        raise PermissionDenied(_("Your role on this engagement does not allow this."))
    with transaction.atomic():
        connection = _connection_locked(engagement.pk)
        if connection is None or connection.state != ConnectionState.CONNECTED:
            raise ValidationError(_("The customer's tenant is not connected."))
        cooldown = datetime.timedelta(minutes=settings.TENANT_CHECK_COOLDOWN_MINUTES)
        asked = connection.check_requested_at
        if asked is not None and now < asked + cooldown:
            raise ValidationError(
                _("The tenant was asked a moment ago: ask again after %(time)s.")
                % {"time": format_datetime(asked + cooldown)}
            )
        connection.check_requested_at = now
        connection.save(update_fields=["check_requested_at"])
    return connection


def _tasks_by_responsibility(engagement_id: int) -> dict[str, list[Task]]:
    tasks: dict[str, list[Task]] = {}
    for task in Task.objects.filter(
        engagement_id=engagement_id, responsibility__isnull=False, withdrawn_at__isnull=True
    ).select_related("responsibility"):
        tasks.setdefault(task.responsibility.key, []).append(task)
    return tasks


def _latest_before(engagement_id: int, run: CheckRun) -> dict[str, Observation]:
    """The run before this one's observations, by check: a run is kept whole, so it holds
    every check its tier allows (read from it alone, the cost does not grow with the runs)."""
    previous = (
        CheckRun.objects.filter(engagement_id=engagement_id)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if previous is None:
        return {}
    return {observation.check_key: observation for observation in previous.observations.all()}


@transaction.atomic
def tenant_run_record(
    *, engagement_id: int, tenant_id: str, seen: list[Seen], request_count: int, requested_by, now
) -> CheckRun | None:
    """Keep a run's observations, their hashes in one event of the trail, and what changed:
    a check that starts confirming tells each of its tasks (webhooks carry it); one that stops
    confirming on a done task opens a drift, once, which the managers hear of. None when the
    tenant was disconnected (or another connected) while it was being read."""
    connection = _connection_locked(engagement_id)
    if (
        connection is None
        or connection.state != ConnectionState.CONNECTED
        or connection.tenant_id != tenant_id
    ):
        return None
    run = CheckRun.objects.create(
        engagement_id=engagement_id,
        tenant_id=tenant_id,
        requested_by=requested_by,
        finished_at=now,
        request_count=request_count,
    )
    observations = []
    for one in seen:
        content = observation_content(
            tenant_id=tenant_id,
            check_key=one.check.key,
            check_version=one.check.version,
            observed_at=now,
            requests=one.requests,
            facts=one.facts,
            result=one.result,
        )
        observations.append(
            Observation(
                run=run,
                engagement_id=engagement_id,
                check_key=one.check.key,
                check_version=one.check.version,
                observed_at=now,
                requests=one.requests,
                facts=one.facts,
                result=one.result,
                sha256=content_sha256(content),
            )
        )
    Observation.objects.bulk_create(observations)
    event_record(
        engagement_id=engagement_id,
        actor=requested_by,
        kind=EventKind.TENANT_CHECKED,
        changes={
            "run": run.pk,
            "tenant_id": tenant_id,
            "observations": [
                {"id": o.pk, "check": o.check_key, "result": o.result, "sha256": o.sha256}
                for o in observations
            ],
        },
    )
    _changes_record(engagement_id, run, observations)
    connection.last_checked_at = now
    connection.not_before = None
    connection.save(update_fields=["last_checked_at", "not_before"])
    engagement_changed(engagement_id=engagement_id)
    return run


def _check_title(key: str) -> dict:
    check = check_set().by_key()[key]
    return {"pt": check.title_pt, "en": check.title_en}


def _changes_record(engagement_id: int, run: CheckRun, observations: list[Observation]) -> None:
    before = _latest_before(engagement_id, run)
    tasks = _tasks_by_responsibility(engagement_id)
    checks = check_set().by_key()
    open_drifts = {
        (drift.task_id, drift.check_key): drift
        for drift in Drift.objects.select_for_update().filter(
            engagement_id=engagement_id, ended__isnull=True
        )
    }
    for observation in observations:
        previous = before.get(observation.check_key)
        confirms = observation.result == Result.CONFIRMS
        was_confirming = previous is not None and previous.result == Result.CONFIRMS
        for key in checks[observation.check_key].responsibilities:
            for task in tasks.get(key, []):
                drift = open_drifts.get((task.pk, observation.check_key))
                values = {
                    "check": observation.check_key,
                    "observation": observation.pk,
                    "title": _check_title(observation.check_key),
                }
                if confirms and (not was_confirming or drift is not None):
                    if drift is not None:
                        drift.ended = observation
                        drift.save(update_fields=["ended"])
                    event_record(
                        engagement_id=engagement_id,
                        task=task,
                        actor=None,
                        kind=EventKind.TENANT_CONFIRMED,
                        changes=values,
                    )
                elif (
                    observation.result == Result.DOES_NOT_CONFIRM
                    and was_confirming
                    and task.done
                    and drift is None
                ):
                    Drift.objects.create(
                        engagement_id=engagement_id,
                        task=task,
                        check_key=observation.check_key,
                        confirmed=previous,
                        seen=observation,
                    )
                    event_record(
                        engagement_id=engagement_id,
                        task=task,
                        actor=None,
                        kind=EventKind.TENANT_DRIFT,
                        changes=values,
                    )
