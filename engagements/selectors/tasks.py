"""Reads of an engagement's tasks: the task page's groups and what is due."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef

from engagements.models import Engagement, Membership, Task, TaskComment, TaskEvidence
from responsibilities.models import PARTIES, SECTION_ORDER, Party, Phase, Section

if TYPE_CHECKING:
    from engagements.gates.selectors import GatePanel


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


def attach_threads(engagement: Engagement, tasks: list[Task]) -> list[Task]:
    """Give each task its evidence (`evidence_items`, each marked `is_replaced` when a newer
    version replaced it) and its comments (`comment_items`), with their people: two queries
    over the engagement, however many tasks and files, and the same two when a filter shows no
    task at all."""
    evidence: dict[int, list[TaskEvidence]] = {}
    for item in (
        TaskEvidence.objects.filter(task__engagement=engagement)
        .select_related("uploaded_by")
        .annotate(is_replaced=Exists(TaskEvidence.objects.filter(replaces=OuterRef("pk"))))
        .order_by("uploaded_at", "pk")
    ):
        evidence.setdefault(item.task_id, []).append(item)
    comments: dict[int, list[TaskComment]] = {}
    for comment in (
        TaskComment.objects.filter(task__engagement=engagement)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        comments.setdefault(comment.task_id, []).append(comment)
    for task in tasks:
        task.evidence_items = evidence.get(task.pk, [])
        task.comment_items = comments.get(task.pk, [])
    return tasks


def engagement_tasks(engagement: Engagement, tasks=None) -> list[Task]:
    """The engagement's tasks in order, with their people, a done task's newer wording, and
    their evidence and comments (three queries). `tasks` narrows them (a filtered queryset)."""
    return attach_threads(
        engagement,
        list(
            (Task.objects.filter(engagement=engagement) if tasks is None else tasks)
            .select_related("phase", "done_by", "owner", "newer_wording")
            .order_by("position")
        ),
    )


def task_groups(tasks: list[Task]) -> list[TaskGroup]:
    """Tasks by phase (general responsibilities last), then party, then section, each parent
    followed by its sub-items; a sub-item whose parent is not among `tasks` (filtered out, or
    withdrawn) stands on its own."""
    shown = {task.pk for task in tasks}
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        parent = task.parent_id if task.parent_id in shown else None
        children.setdefault(parent, []).append(task)

    def with_descendants(task):
        yield task
        for child in children.get(task.pk, []):
            yield from with_descendants(child)

    # Standing commitments come after the phases: the phases are the work to do.
    def group_key(task):
        phase_order = task.phase.order if task.phase else float("inf")
        return (phase_order, task.party, SECTION_ORDER.get(task.section, -1))

    groups: dict[tuple, TaskGroup] = {}
    for top in sorted(children.get(None, []), key=lambda t: (group_key(t), t.position)):
        group = groups.setdefault(
            group_key(top),
            TaskGroup(phase=top.phase, party=top.party, section=top.section, tasks=[]),
        )
        group.tasks.extend(with_descendants(top))
    return list(groups.values())


@dataclass
class PhaseSection:
    """One phase's task groups on the task page (`phase` is None for general items)."""

    phase: Phase | None
    groups: list[TaskGroup]
    gate: "GatePanel | None" = None  # set by the task page (engagements/gates/selectors.py)

    @property
    def anchor(self) -> str:
        return f"phase-{self.phase.code if self.phase else 'general'}"

    @property
    def task_count(self) -> int:
        return sum(len(group.tasks) for group in self.groups)


def phase_sections(groups: list[TaskGroup]) -> list[PhaseSection]:
    sections: list[PhaseSection] = []
    for group in groups:
        if not sections or sections[-1].phase != group.phase:
            sections.append(PhaseSection(phase=group.phase, groups=[]))
        sections[-1].groups.append(group)
    return sections


@dataclass
class DueTasks:
    overdue: dict[str, list[Task]]
    due_soon: dict[str, list[Task]]


def engagement_due_tasks(engagement: Engagement, today: datetime.date) -> DueTasks:
    """Open tasks past due, and those due within DUE_SOON_DAYS days, by party (one query)."""
    due = DueTasks(overdue={p: [] for p in PARTIES}, due_soon={p: [] for p in PARTIES})
    for task in (
        Task.objects.overdue_or_due_soon(today)
        .filter(engagement=engagement)
        .select_related("owner")
        .order_by("due_date", "position")
    ):
        (due.overdue if task.is_overdue(today) else due.due_soon)[task.party].append(task)
    return due


@dataclass
class DigestEntry:
    engagement: Engagement
    overdue: list[Task]
    due_soon: list[Task]


def user_due_tasks(user, today: datetime.date) -> list[DigestEntry]:
    """For each of the user's engagements with something due: its overdue tasks and those due
    within DUE_SOON_DAYS days (two queries)."""
    memberships = Membership.objects.filter(user=user).select_related("engagement")
    tasks = (
        Task.objects.overdue_or_due_soon(today)
        .filter(engagement__memberships__user=user)
        .select_related("engagement", "owner")
        .order_by("due_date", "position")
    )
    by_engagement = {
        m.engagement_id: DigestEntry(engagement=m.engagement, overdue=[], due_soon=[])
        for m in memberships
    }
    for task in tasks:
        entry = by_engagement[task.engagement_id]
        (entry.overdue if task.is_overdue(today) else entry.due_soon).append(task)
    return [entry for entry in by_engagement.values() if entry.overdue or entry.due_soon]
