"""What the tenant says of each task, for the task rows (full page and htmx swaps alike): read
once per request and engagement, so a page of any number of tasks pays the same queries (one
when the tenant was never read, three when it was)."""

from django import template

from responsibilities.models import Responsibility
from tenants.checks import check_set
from tenants.models import CheckRun, Drift, Observation
from tenants.selectors import not_visible_words, shown

register = template.Library()


def _engagement_lines(engagement_id: int) -> dict:
    observations = list(
        Observation.objects.filter(
            run=CheckRun.objects.filter(engagement_id=engagement_id).values("pk")[:1]
        )
    )
    if not observations:
        return {}
    checks = check_set()
    keys = {*checks.by_responsibility(), *checks.not_visible}
    key_of = dict(Responsibility.objects.filter(key__in=keys).values_list("pk", "key"))
    latest = {o.check_key: o for o in observations}
    drifting = set(
        Drift.objects.filter(engagement_id=engagement_id, ended__isnull=True).values_list(
            "task_id", "check_key"
        )
    )
    return {"key_of": key_of, "latest": latest, "drifting": drifting}


def _lines(context, engagement_id: int) -> dict:
    request = context.get("request")
    cache = getattr(request, "_tenant_lines", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._tenant_lines = cache
    if engagement_id not in cache:
        cache[engagement_id] = _engagement_lines(engagement_id)
    return cache[engagement_id]


@register.simple_tag(takes_context=True)
def tenant_read(context, engagement) -> str:
    """Reads what the tenant says of the engagement's tasks before any row asks, so the page
    costs the same whether a filter leaves rows or none."""
    _lines(context, engagement.pk)
    return ""


@register.simple_tag(takes_context=True)
def tenant_lines(context, task) -> dict:
    """{"observations": [Shown], "drifting": {check keys}, "not_visible": why or None}."""
    lines = _lines(context, task.engagement_id)
    key = lines.get("key_of", {}).get(task.responsibility_id)
    if key is None:
        return {}
    checks = check_set().by_responsibility().get(key, [])
    observations = [shown(lines["latest"][c.key]) for c in checks if c.key in lines["latest"]]
    return {
        "observations": observations,
        "drifting": {c for t, c in lines["drifting"] if t == task.pk},
        "not_visible": not_visible_words(key),
    }
