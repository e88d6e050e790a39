"""Reads for the engagement pages, each a fixed number of queries however many tasks there are."""

from dataclasses import dataclass, field

from responsibilities.models import SECTION_ORDER, Party, Phase, Section

from .models import ActivityEvent, Checkpoint, Engagement, Task

RECENT_ACTIVITY = 30


@dataclass
class Tally:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class PhaseProgress:
    """Done / applicable per party for one phase (`phase` is None for general items)."""

    phase: Phase | None
    by_party: dict[str, Tally] = field(default_factory=dict)

    @property
    def overall(self) -> Tally:
        return Tally(
            done=sum(t.done for t in self.by_party.values()),
            total=sum(t.total for t in self.by_party.values()),
        )

    def parties(self) -> list[tuple[str, Tally]]:
        return [(Party(code).label, self.by_party[code]) for code in Party.values]


@dataclass
class EngagementProgress:
    phases: list[PhaseProgress]

    @property
    def overall(self) -> Tally:
        return Tally(
            done=sum(p.overall.done for p in self.phases),
            total=sum(p.overall.total for p in self.phases),
        )


@dataclass
class TaskGroup:
    phase: Phase | None
    party: str
    section: str
    tasks: list[Task]

    @property
    def party_label(self) -> str:
        return Party(self.party).label

    @property
    def section_label(self) -> str:
        return Section(self.section).label if self.section else ""


def engagement_task_groups(engagement: Engagement) -> list[TaskGroup]:
    """Tasks by phase, then party, then section, each parent followed by its sub-items."""
    tasks = list(
        Task.objects.filter(engagement=engagement)
        .select_related("phase", "done_by")
        .order_by("position")
    )
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)

    def with_descendants(task):
        yield task
        for child in children.get(task.pk, []):
            yield from with_descendants(child)

    def group_key(task):
        phase_order = task.phase.order if task.phase else 0
        return (phase_order, task.party, SECTION_ORDER.get(task.section, -1))

    groups: dict[tuple, TaskGroup] = {}
    for top in sorted(children.get(None, []), key=lambda t: (group_key(t), t.position)):
        group = groups.setdefault(
            group_key(top),
            TaskGroup(phase=top.phase, party=top.party, section=top.section, tasks=[]),
        )
        group.tasks.extend(with_descendants(top))
    return list(groups.values())


def engagement_recent_activity(engagement: Engagement) -> list[ActivityEvent]:
    return list(
        ActivityEvent.objects.filter(engagement=engagement).select_related("task", "checkpoint")[
            :RECENT_ACTIVITY
        ]
    )


@dataclass
class EngagementCheckpoints:
    upcoming: list[Checkpoint]
    past_or_cancelled: list[Checkpoint]


def engagement_checkpoints(engagement: Engagement, now) -> EngagementCheckpoints:
    """Upcoming meetings, then the record of past and cancelled ones (one query)."""
    checkpoints = list(
        Checkpoint.objects.filter(engagement=engagement)
        .select_related("phase")
        .order_by("starts_at")
    )
    upcoming = [c for c in checkpoints if not c.is_cancelled and c.ends_at > now]
    return EngagementCheckpoints(
        upcoming=upcoming,
        past_or_cancelled=[c for c in reversed(checkpoints) if c not in upcoming],
    )
