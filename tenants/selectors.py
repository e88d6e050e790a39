"""What the pages show of a tenant: the connection, the latest observation per check (with its
words), the open drifts, and the facts the assessment reads."""

from dataclasses import dataclass

from django.utils import translation

from tenants.checks import Check, check_set
from tenants.models import CheckRun, Drift, Observation, Result, TenantConnection
from tenants.words import facts_words


@dataclass
class Shown:
    """An observation as a page shows it."""

    observation: Observation
    check: Check
    words: str

    @property
    def confirms(self) -> bool:
        return self.observation.result == Result.CONFIRMS


def connection_of(engagement) -> TenantConnection | None:
    return (
        TenantConnection.objects.filter(engagement=engagement)
        .select_related("consented_by")
        .first()
    )


def latest_run(engagement) -> CheckRun | None:
    return CheckRun.objects.filter(engagement=engagement).first()


def shown(observation: Observation) -> Shown:
    check = check_set().by_key()[observation.check_key]
    words = facts_words(
        check.predicate, observation.facts, observation.result, observation.observed_at
    )
    return Shown(observation=observation, check=check, words=words)


def run_observations(run: CheckRun | None) -> list[Shown]:
    """A run's observations in the order of the checks' file."""
    if run is None:
        return []
    order = {check.key: index for index, check in enumerate(check_set().checks)}
    found = [shown(o) for o in run.observations.all() if o.check_key in order]
    return sorted(found, key=lambda one: order[one.check.key])


def task_observations(engagement) -> dict[int, list[Shown]]:
    """For each task a check speaks for, the latest observation of each of its checks: one
    query for the tasks' keys, one for the latest run's observations."""
    run = latest_run(engagement)
    if run is None:
        return {}
    by_responsibility = check_set().by_responsibility()
    latest = {o.check_key: shown(o) for o in run.observations.all()}
    tasks = engagement.tasks.filter(responsibility__key__in=by_responsibility).values_list(
        "pk", "responsibility__key"
    )
    return {
        pk: [latest[check.key] for check in by_responsibility[key] if check.key in latest]
        for pk, key in tasks
    }


def open_drifts(engagement) -> list[Drift]:
    return list(
        Drift.objects.filter(engagement=engagement, ended__isnull=True)
        .select_related("task", "seen", "confirmed")
        .order_by("seen__observed_at")
    )


def not_visible_words(key: str) -> str | None:
    """Why the tenant cannot show a catalogue item, in the reader's language; None if it can."""
    why = check_set().not_visible.get(key)
    if why is None:
        return None
    return why["en"] if (translation.get_language() or "").startswith("en") else why["pt"]
