"""The tenant's observations against the trail (run by verify_audit through
engagements/verify/checks.py): each observation's SHA-256, recomputed from its row, must be the
one its run's event recorded, and each recorded observation must still be there."""

from engagements.models import ActivityEvent, EventKind
from tenants.models import Observation
from tenants.reading import content_sha256, stored_observation_content


def observation_problems(engagement) -> list[str]:
    name = f"engagement {engagement.pk} ({engagement.customer})"
    said = {}
    for changes in ActivityEvent.objects.filter(
        engagement=engagement, kind=EventKind.TENANT_CHECKED
    ).values_list("changes", flat=True):
        for one in changes["observations"]:
            said[one["id"]] = one["sha256"]
    problems = []
    rows = Observation.objects.filter(engagement=engagement).select_related("run").order_by("pk")
    seen = set()
    for row in rows:
        seen.add(row.pk)
        where = f"{name}, tenant observation {row.pk} ({row.check_key})"
        if row.pk not in said:
            problems.append(f"{where}: no event of the trail recorded it")
            continue
        content = stored_observation_content(row, row.run.tenant_id)
        actual = content_sha256(content)
        if actual != said[row.pk] or row.sha256 != said[row.pk]:
            problems.append(f"{where}: its content's SHA-256 is not the one its event recorded")
    problems += [
        f"{name}, tenant observation {pk}: missing (deleted?)" for pk in said if pk not in seen
    ]
    return problems
