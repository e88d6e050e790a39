"""Who may see and change an engagement: the one place views and templates ask."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Checkpoint, Engagement, Membership, Role, Task


@dataclass(frozen=True)
class EngagementAccess:
    engagement: Engagement
    membership: Membership | None

    @property
    def can_manage(self) -> bool:
        """Managers change tasks and schedule checkpoints; everyone else only reads."""
        return self.membership is not None and self.membership.role == Role.MANAGER


def get_engagement_for_user(user, pk, *, write=False) -> EngagementAccess:
    """The engagement with the user's access to it.

    Raises 404 when the user may not see it (its existence is not revealed) and 403 when the
    user may see it but asks to write without being a manager.
    """
    engagement = Engagement.objects.visible_to(user).filter(pk=pk).first()
    if engagement is None:
        raise Http404(_("Engagement not found."))
    membership = Membership.objects.filter(engagement=engagement, user=user).first()
    access = EngagementAccess(engagement=engagement, membership=membership)
    if write and not access.can_manage:
        raise PermissionDenied(_("Only the engagement's managers may do this."))
    return access


def get_task_for_user(
    user, engagement_pk, task_pk, *, write=False
) -> tuple[EngagementAccess, Task]:
    """A task of an engagement the user may see (and, with `write`, change)."""
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
