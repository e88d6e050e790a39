"""`make run`'s sandbox: the demo's Contoso connected to the sandbox tenant through the portal's
services, with a drift, once (a second start leaves it as it is), and a trail that holds."""

from engagements.audit import engagement_chain_problems
from engagements.verify.checks import engagement_state_problems
from tenants.models import CheckRun, ConnectionState, Drift, Result, TenantConnection, Tier

from .tenant_sandbox import demo_connect, sandbox_tenant
from .tenant_support import app_id, point_at

TENANT = "b05aafed-15fd-5db6-8981-4fa0293ccc6a"


def test_the_demos_contoso_is_connected_once_with_a_drift(demo, entra, settings):
    point_at(entra, settings)
    tenant = entra.add_tenant(sandbox_tenant(TENANT))
    said = demo_connect(entra, tenant, app_id(Tier.SENSITIVE))
    assert said == "Contoso connected, read twice: its directory sync drifted"
    connection = TenantConnection.objects.get(engagement=demo)
    assert (connection.state, connection.tenant_name) == (
        ConnectionState.CONNECTED,
        "Contoso sandbox tenant",
    )
    first, last = CheckRun.objects.filter(engagement=demo).order_by("finished_at")
    assert first.observations.get(check_key="directory-sync").result == Result.CONFIRMS
    assert last.observations.get(check_key="directory-sync").result == Result.DOES_NOT_CONFIRM
    assert {o.check_key for o in last.observations.exclude(result=Result.CONFIRMS)} == {
        "directory-sync",
        "app-protection",
        "terms-of-use",
    }
    drift = Drift.objects.get()
    assert drift.task.done and drift.task.evidence.get().sha256 == drift.confirmed.sha256
    demo.refresh_from_db()
    assert engagement_chain_problems(demo) == engagement_state_problems(demo) == []
    assert demo_connect(entra, tenant, app_id(Tier.SENSITIVE)) == "Contoso was connected before"
    assert CheckRun.objects.count() == 2
