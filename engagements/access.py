"""Who may do what to an engagement: the one place views, templates and later the API ask.

A member has a party (customer or Microsoft) and a role. Managers change their own party's
tasks, and the other party's too while that party has no manager (the event then says it was
done on that party's behalf, and that party's managers, once it has some, confirm the tick);
they sign off a finished phase for the same parties and reopen a signed one with a reason; they
add notes and due dates on any task, schedule checkpoints, invite members of their own party,
make share links and download the audit trail; with staff, they bring a newer catalogue version
into the engagement and change its scope (services and options), through a preview. Viewers
read. Staff (admins) and FastTrack Center leads read every engagement without being members.
Anyone else gets 404 for every address of the engagement, so its existence is not revealed.
A share link opens the engagement's dashboard read-only, for as long as it is usable.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.models import Checkpoint, Engagement, Membership, Role, ShareLink, Task


def sees_every_engagement(user) -> bool:
    """Staff (admins) and FastTrack Center leads read every engagement."""
    return user.is_staff or user.has_perm("engagements.view_all_engagements")


def visible_engagements(user):
    """Engagements the user is a member of; staff and FastTrack Center leads see all."""
    if not user.is_authenticated:
        return Engagement.objects.none()
    if sees_every_engagement(user):
        return Engagement.objects.all()
    return Engagement.objects.filter(
        Exists(Membership.objects.filter(engagement=OuterRef("pk"), user=user))
    )


def visible_engagement_count(user) -> int:
    """How many engagements `visible_engagements(user)` holds. A member has one membership per
    engagement, so theirs are counted from the index of memberships by user, where counting
    the engagements joined to them read every one of both tables."""
    if not user.is_authenticated:
        return 0
    if sees_every_engagement(user):
        return Engagement.objects.count()
    return Membership.objects.filter(user=user).count()


@dataclass(frozen=True)
class EngagementAccess:
    engagement: Engagement
    membership: Membership | None
    parties_with_manager: frozenset[str] = frozenset()
    # Every member with their account, loaded once with the access check.
    memberships: tuple[Membership, ...] = ()
    # Set when the engagement is seen through a share link, by someone without an account.
    share_link: ShareLink | None = None
    is_staff: bool = False

    @property
    def is_manager(self) -> bool:
        return self.membership is not None and self.membership.role == Role.MANAGER

    @property
    def party(self) -> str:
        return self.membership.party if self.membership else ""

    @property
    def tickable_parties(self) -> frozenset[str]:
        """The parties whose tasks the user may tick: their own, and one with no manager."""
        if not self.is_manager:
            return frozenset()
        return frozenset(
            party
            for party in ("customer", "microsoft")
            if party == self.party or party not in self.parties_with_manager
        )

    def can_change_task(self, task: Task) -> bool:
        """Whoever may tick the task's party's tasks, while it is in force."""
        return task.party in self.tickable_parties and not task.is_withdrawn

    # A phase is signed off for a party by whoever may tick its tasks: its own managers, or the
    # other party's while it has none (on its behalf, as with ticks).
    signable_parties = tickable_parties

    def can_confirm_task(self, task: Task) -> bool:
        """Only the task's own party's managers confirm a tick made on its behalf."""
        return self.is_manager and task.party == self.party

    def can_add_task(self, party: str) -> bool:
        """A one-off task is added for a party by whoever may tick that party's tasks."""
        return party in self.tickable_parties

    @property
    def can_add_tasks(self) -> bool:
        return bool(self.tickable_parties)

    # Whoever may tick a task answers for it, so they say who owns it and add its evidence.
    can_assign_owner = can_change_task
    can_add_evidence = can_change_task

    @property
    def can_comment(self) -> bool:
        """Members discuss their tasks, viewers too; staff, leads and share links only read."""
        return self.membership is not None

    # Managers of either party may do these.
    can_edit_task_details = is_manager
    can_schedule_checkpoints = is_manager
    can_manage_share_links = is_manager
    can_download_audit = is_manager
    can_reopen_gate = is_manager

    @property
    def can_plan(self) -> bool:
        """Bring a newer catalogue version in, or change the scope: a manager of either party,
        or staff (who look after the catalogue), never a viewer or a lead, who only read."""
        return self.is_manager or self.is_staff

    @property
    def can_change_plan(self) -> bool:
        """Re-plan the phases' dates, with a reason: a manager of either party, or staff;
        viewers and leads only read the plan."""
        return self.is_manager or self.is_staff

    @property
    def can_connect_tenant(self) -> bool:
        """The customer's managers connect (or disconnect) their own tenant, whose administrator
        consents; staff, who set engagements up, may too. Microsoft's managers may not."""
        return (self.is_manager and self.party == "customer") or self.is_staff

    @property
    def can_check_tenant(self) -> bool:
        """Asking the connected tenant again: any manager, or staff."""
        return self.is_manager or self.is_staff

    def can_invite(self, party: str) -> bool:
        return self.is_manager and party == self.party

    def can_remove_member(self, membership: Membership) -> bool:
        """Managers remove members of their own party, but not themselves."""
        return self.can_invite(membership.party) and membership.user_id != self.membership.user_id

    def can_change_checkpoint(self, checkpoint: Checkpoint, now=None) -> bool:
        """Managers change a meeting until it starts or is cancelled."""
        return self.can_schedule_checkpoints and checkpoint.can_still_change(now)

    def owner_choices(self) -> dict[str, list]:
        """For each party, the accounts of its members: who may own that party's tasks."""
        choices: dict[str, list] = {}
        for membership in sorted(
            self.memberships, key=lambda m: (m.user.first_name, m.user.get_username())
        ):
            choices.setdefault(membership.party, []).append(membership.user)
        return choices

    def bulk_owner_choices(self) -> dict[str, list]:
        """owner_choices of the parties whose tasks the user may change: a bulk change reaches
        only those tasks, and each is owned only by its own party's people."""
        tickable = self.tickable_parties
        return {party: users for party, users in self.owner_choices().items() if party in tickable}

    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied(_("Your role on this engagement does not allow this."))


def engagement_access(engagement: Engagement, user) -> EngagementAccess:
    """The user's access to an engagement already in hand; services check a change against it,
    so that a caller who skipped the view's check meets the same rule."""
    memberships = list(Membership.objects.filter(engagement=engagement).select_related("user"))
    return EngagementAccess(
        engagement=engagement,
        membership=next((m for m in memberships if m.user_id == user.pk), None),
        parties_with_manager=frozenset(m.party for m in memberships if m.role == Role.MANAGER),
        memberships=tuple(memberships),
        is_staff=user.is_staff,
    )


def get_engagement_for_user(user, pk, *, write=False) -> EngagementAccess:
    """The engagement with the user's access to it.

    Raises 404 when the user may not see it and, with `write`, 403 unless the user manages it.
    """
    engagement = (
        Engagement.objects.with_catalogue_news().filter(pk=pk).first()
        if user.is_authenticated
        else None
    )
    if engagement is None:
        raise Http404(_("Engagement not found."))
    access = engagement_access(engagement, user)
    if access.membership is None and not sees_every_engagement(user):
        raise Http404(_("Engagement not found."))
    if write:
        access.require(access.is_manager)
    return access


def get_task_for_user(
    user, engagement_pk, task_pk, *, write=False
) -> tuple[EngagementAccess, Task]:
    """A task of an engagement the user may see (and, with `write`, manage)."""
    access = get_engagement_for_user(user, engagement_pk, write=write)
    task = Task.objects.filter(engagement=access.engagement, pk=task_pk).first()
    if task is None:
        raise Http404(_("This engagement has no task %(task)s.") % {"task": task_pk})
    return access, task


def get_checkpoint_for_user(
    user, engagement_pk, checkpoint_pk, *, write=False
) -> tuple[EngagementAccess, Checkpoint]:
    """A checkpoint of an engagement the user may see (and, with `write`, manage)."""
    access = get_engagement_for_user(user, engagement_pk, write=write)
    checkpoint = (
        Checkpoint.objects.filter(engagement=access.engagement, pk=checkpoint_pk)
        .select_related("phase", "engagement")
        .first()
    )
    if checkpoint is None:
        raise Http404(
            _("This engagement has no checkpoint %(checkpoint)s.") % {"checkpoint": checkpoint_pk}
        )
    return access, checkpoint


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinkClosed(Exception):
    """The link exists but was revoked or has expired."""

    def __init__(self, link: ShareLink):
        super().__init__(link.label)
        self.link = link


def get_engagement_for_share_token(token: str, now=None) -> EngagementAccess:
    """Read-only access through a share link; 404 for an unknown token, ShareLinkClosed for a
    revoked or expired one."""
    link = (
        ShareLink.objects.filter(token_hash=share_token_hash(token))
        .select_related("engagement")
        .first()
    )
    if link is None:
        raise Http404(_("This share link does not exist. Check that it was copied whole."))
    if not link.is_usable(now or timezone.now()):
        raise ShareLinkClosed(link)
    return EngagementAccess(engagement=link.engagement, membership=None, share_link=link)


# Webhooks. Staff and managers register them, for one engagement they manage (staff: any) or
# for every engagement they see; an event goes to a webhook only while its owner still sees
# the engagement, so a member who leaves stops receiving its events.
