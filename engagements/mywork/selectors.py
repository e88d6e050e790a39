"""What waits on a person across their engagements, in four queries however many there are.

Who may act is asked of engagements/access.py and what a gate needs of
engagements/gates/requirements.py, as the task page asks them, so My work lists exactly what
the task page offers: a sign-off the gate panel would show, a tick its row would let the person
confirm, an acknowledgement its form would take. Each phase's figures come from the stored
status (engagements/models/stored_status.py), which every change keeps in step in its own
transaction, so the gates of fifty engagements cost no query of their own.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import EngagementAccess
from engagements.gates.mentions import comments_mentioning
from engagements.gates.requirements import GateFacts, unmet_requirements
from engagements.models import (
    Engagement,
    GeneralAcknowledgement,
    Membership,
    Role,
    Task,
    TaskComment,
)
from responsibilities.models import PARTIES, Party, Phase


def week_end(today: datetime.date) -> datetime.date:
    """The Sunday that ends today's week (Monday to Sunday, as ISO 8601 counts it)."""
    return today + datetime.timedelta(days=6 - today.weekday())


@dataclass(frozen=True)
class GateItem:
    """A phase the person may sign off, or a party's general responsibilities they may
    acknowledge (`phase` None), for `party`: their own, or one with no manager (on its
    behalf); `url` is the gate panel where it is done."""

    engagement: Engagement
    party: str
    on_behalf: bool
    url: str
    phase: Phase | None = None

    @property
    def party_label(self) -> str:
        return Party(self.party).label


@dataclass
class MyWork:
    overdue: list[Task] = field(default_factory=list)
    this_week: list[Task] = field(default_factory=list)
    later: list[Task] = field(default_factory=list)
    sign_offs: list[GateItem] = field(default_factory=list)
    confirmations: list[Task] = field(default_factory=list)
    acknowledgements: list[GateItem] = field(default_factory=list)
    # Comments that mentioned the person this past week (`recent_mentions`).
    mentions: list[TaskComment] = field(default_factory=list)

    @property
    def owned(self) -> list[Task]:
        return self.overdue + self.this_week + self.later

    @property
    def owned_groups(self) -> list[tuple[str, list[Task]]]:
        """The owned tasks' three groups, each with its title in the active language."""
        return [
            (_("Overdue"), self.overdue),
            (_("Due this week"), self.this_week),
            (_("Later"), self.later),
        ]

    @property
    def waiting(self) -> int:
        """Everything that waits on the person, but tasks due after this week. Mentions are
        not counted: they ask to be read, not done, were told as they happened, and would
        otherwise send a digest every day for a week."""
        return (
            len(self.overdue)
            + len(self.this_week)
            + len(self.sign_offs)
            + len(self.confirmations)
            + len(self.acknowledgements)
        )

    @property
    def count(self) -> int:
        """Every item on the page: the top bar's count."""
        return self.waiting + len(self.later)


# A mention stays on My work for a week: read after a few days away, yet the page does not
# fill with old conversations; the newest are shown first, a page's worth at most.
MENTION_DAYS = 7
MENTIONS_SHOWN = 20


def recent_mentions(user, today: datetime.date) -> list[TaskComment]:
    """The comments that mentioned `user` since the start of the day a week before `today`, in
    the engagements they are still a member of, each with its `url` (one query)."""
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=MENTION_DAYS), datetime.time())
    )
    comments = list(
        comments_mentioning(user).filter(mentions__created_at__gte=since)[:MENTIONS_SHOWN]
    )
    for comment in comments:
        comment.url = (
            reverse("engagement-detail", args=[comment.task.engagement_id])
            + f"#comment-{comment.pk}"
        )
    return comments


def _memberships(user) -> list[Membership]:
    """The person's memberships with their engagements (stored status included), each with
    whether each party has a manager, has general responsibilities in force and has
    acknowledged them (one query)."""

    def of(party):
        engagement = OuterRef("engagement")
        return {
            f"{party}_managed": Exists(
                Membership.objects.filter(engagement=engagement, party=party, role=Role.MANAGER)
            ),
            f"{party}_general": Exists(
                Task.objects.in_force().filter(engagement=engagement, party=party, phase=None)
            ),
            f"{party}_acknowledged": Exists(
                GeneralAcknowledgement.objects.filter(engagement=engagement, party=party)
            ),
        }

    annotations = {name: value for party in PARTIES for name, value in of(party).items()}
    return list(
        Membership.objects.filter(user=user)
        .select_related("engagement")
        .annotate(**annotations)
        .order_by("engagement__customer", "engagement_id")
    )


def _access(membership: Membership) -> EngagementAccess:
    return EngagementAccess(
        engagement=membership.engagement,
        membership=membership,
        parties_with_manager=frozenset(
            party for party in PARTIES if getattr(membership, f"{party}_managed")
        ),
    )


def _gate_items(access: EngagementAccess, membership: Membership, phases: list[Phase]):
    """The sign-offs and acknowledgements the person may give on one engagement, judged by the
    gate's own requirements over the stored figures of each phase."""
    stored = access.engagement.status_phases or {}
    open_tasks, awaiting = {}, {}
    for phase_id, party, total, done, waiting in stored.get("cells", []):
        open_tasks[phase_id] = open_tasks.get(phase_id, 0) + total - done
        if party in access.parties_with_manager:
            awaiting[phase_id] = awaiting.get(phase_id, 0) + waiting
    signed = {(phase_id, party) for phase_id, party, _at in stored.get("sign_offs", [])}
    unacknowledged = {
        party
        for party in PARTIES
        if getattr(membership, f"{party}_general")
        and not getattr(membership, f"{party}_acknowledged")
    }
    page = reverse("engagement-detail", args=[access.engagement.pk])

    def item(party, phase=None):
        # The gate panel sits outside the folding phase section, so the link always lands on
        # it; the acknowledgements are on the first phase's panel.
        code = (phase or phases[0]).code
        return GateItem(
            engagement=access.engagement,
            party=party,
            on_behalf=party != access.party,
            url=f"{page}#gate-panel-{code}",
            phase=phase,
        )

    sign_offs = [
        item(party, phase)
        for position, phase in enumerate(phases)
        for party in PARTIES
        if party in access.signable_parties
        and not unmet_requirements(
            GateFacts(
                phase=phase,
                party=party,
                open_tasks=open_tasks.get(phase.pk, 0),
                unconfirmed=awaiting.get(phase.pk, 0),
                unacknowledged=position == 0 and party in unacknowledged,
                signed=(phase.pk, party) in signed,
            )
        )
    ]
    acknowledgements = [
        item(party)
        for party in PARTIES
        if phases and party in unacknowledged and party in access.signable_parties
    ]
    return sign_offs, acknowledgements


def _place(task: Task, engagements: dict[int, Engagement]) -> None:
    """Give the task its engagement, already read, and the address of its row (`url`)."""
    task.engagement = engagements[task.engagement_id]
    task.url = reverse("engagement-detail", args=[task.engagement_id]) + f"#task-{task.pk}"


def my_work(user, today: datetime.date) -> MyWork:
    """What waits on `user` in the engagements they are a member of (five queries: their
    memberships, the phases, the tasks they own, the ticks awaiting their party, the comments
    that mentioned them)."""
    work = MyWork()
    memberships = _memberships(user)
    if not memberships:
        return work
    phases = list(Phase.objects.order_by("order"))
    accesses = {}
    for membership in memberships:
        access = accesses[membership.engagement_id] = _access(membership)
        sign_offs, acknowledgements = _gate_items(access, membership, phases)
        work.sign_offs += sign_offs
        work.acknowledgements += acknowledgements
    engagements = {m.engagement_id: m.engagement for m in memberships}
    mine = Membership.objects.filter(user=user).values("engagement_id")
    end = week_end(today)
    for task in (
        Task.objects.open()
        .filter(owner=user, engagement_id__in=mine)
        .select_related("phase")
        .order_by(F("due_date").asc(nulls_last=True), "engagement_id", "position")
    ):
        _place(task, engagements)
        if task.is_overdue(today):
            work.overdue.append(task)
        elif task.due_date is not None and task.due_date <= end:
            work.this_week.append(task)
        else:
            work.later.append(task)
    managed = Membership.objects.filter(
        user=user, role=Role.MANAGER, engagement=OuterRef("engagement"), party=OuterRef("party")
    )
    for task in (
        Task.objects.in_force()
        .filter(Exists(managed), awaiting_confirmation=True)
        .select_related("phase")
        .order_by("engagement__customer", "engagement_id", "position")
    ):
        _place(task, engagements)
        if accesses[task.engagement_id].can_confirm_task(task):
            work.confirmations.append(task)
    work.mentions = recent_mentions(user, today)
    return work
