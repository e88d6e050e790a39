"""The plan against the trail, for verify_audit (engagements/verify/checks.py calls it by its
dotted path): every version's dates are what its event says, read in chain order, and no
version is missing or unexplained. A baseline the migration made has no event: it is the
starting point, not checked."""

from engagements.models import ActivityEvent, EventKind, Plan, PlannedPhase


def _said(engagement) -> dict[int, dict[str, list[str]]]:
    """Each version's phases as the trail tells them: the baseline's in full, each re-plan's
    changes on top of the version before."""
    versions: dict[int, dict[str, list[str]]] = {}
    events = (
        ActivityEvent.objects.filter(
            engagement=engagement, kind__in=[EventKind.PLAN_BASELINED, EventKind.PLAN_CHANGED]
        )
        .order_by("sequence", "pk")
        .values_list("kind", "changes")
    )
    for kind, changes in events:
        try:
            version = changes["version"]
            if kind == EventKind.PLAN_BASELINED:
                versions[version] = dict(changes["phases"])
            else:
                before = versions.get(version - 1)
                if before is None:
                    before = _rows(engagement).get(version - 1, {})
                new = {code: dates[1] for code, dates in changes["phases"].items()}
                versions[version] = {**before, **new}
        except (KeyError, TypeError, ValueError, IndexError):
            continue  # an event altered into nonsense: the chain check names it
    return versions


def _rows(engagement) -> dict[int, dict[str, list[str]]]:
    rows: dict[int, dict[str, list[str]]] = {}
    for version, code, start, end in PlannedPhase.objects.filter(
        plan__engagement=engagement
    ).values_list("plan__version", "phase__code", "starts_on", "ends_on"):
        rows.setdefault(version, {})[code] = [start.isoformat(), end.isoformat()]
    return rows


def plan_problems(engagement) -> list[str]:
    """Each version of the plan whose dates are not what the trail says, missing, or with no
    event that explains it."""
    name = f"engagement {engagement.pk} ({engagement.customer})"
    said, rows = _said(engagement), _rows(engagement)
    versions = set(Plan.objects.filter(engagement=engagement).values_list("version", flat=True))
    problems = []
    for version, phases in sorted(said.items()):
        if version not in versions:
            problems.append(f"{name}: plan version {version} is missing (deleted?)")
        elif rows.get(version, {}) != phases:
            problems.append(
                f"{name}: plan version {version} holds {rows.get(version)}, but the trail "
                f"says {phases}"
            )
    problems += [
        f"{name}: plan version {version} has no event in the trail"
        for version in sorted(versions - set(said))
        if version != 1
    ]
    return problems
