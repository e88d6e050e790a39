"""Inviting, adding, changing and removing an engagement's members."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.journal import engagement_changed, event_record
from engagements.meetings.services import checkpoints_leave
from engagements.models import Engagement, EventKind, Membership, Task
from engagements.services.tasks import task_set_owner
from fasttrack import bounds
from trail.chain import actor_name


def member_values(membership: Membership) -> dict:
    """What the trail keeps of a member: codes, rendered in each reader's language, and the
    name at the time. Names only: the trail is kept for good and exported; the members page
    has addresses. verify_audit holds the membership to the last of these."""
    return {
        "user": membership.user_id,
        "name": actor_name(membership.user),
        "party": membership.party,
        "role": membership.role,
    }


@transaction.atomic
def member_invite(
    *,
    engagement: Engagement,
    invited_by: AbstractBaseUser,
    party: str,
    email: str,
    name: str,
    role: str,
) -> Membership:
    """Add a person to the engagement, creating their account if they have none.

    A new account has no password: the invitation email (sent by beat, like every email)
    carries a link to set one.
    """
    bounds.validate_fields({"name": (name, bounds.single_line(bounds.NAME_MAX_LENGTH))})
    email = email.strip().lower()
    already = ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
    User = get_user_model()
    try:
        # A savepoint: two invitations of one address at once make one of them fail here,
        # and that one says so instead of breaking the request.
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                first_name, _space, last_name = name.strip().partition(" ")
                user = User(username=email, email=email, first_name=first_name, last_name=last_name)
                user.set_unusable_password()
                user.full_clean()
                user.save()
            elif Membership.objects.filter(engagement=engagement, user=user).exists():
                raise already
            return member_add(
                membership=Membership(engagement=engagement, user=user, party=party, role=role),
                added_by=invited_by,
            )
    except IntegrityError as error:
        raise already from error


@transaction.atomic
def member_add(*, membership: Membership, added_by: AbstractBaseUser) -> Membership:
    """Save a new membership, tell the person by email (through beat) and record it."""
    membership.full_clean()
    membership.save()
    event_record(
        engagement_id=membership.engagement_id,
        actor=added_by,
        kind=EventKind.MEMBER_ADDED,
        changes=member_values(membership),
        membership=membership,
    )
    engagement_changed(engagement_id=membership.engagement_id)
    return membership


@transaction.atomic
def member_change(*, membership: Membership, changed_by: AbstractBaseUser) -> Membership:
    """Save a member's new party or role (an admin's edit), recording from what to what."""
    before = Membership.objects.select_related("user").get(pk=membership.pk)
    membership.full_clean()
    membership.save()
    event_record(
        engagement_id=membership.engagement_id,
        actor=changed_by,
        kind=EventKind.MEMBER_CHANGED,
        changes={"old": member_values(before), "new": member_values(membership)},
    )
    engagement_changed(engagement_id=membership.engagement_id)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, removed_by: AbstractBaseUser) -> None:
    """Take a person off the engagement (their account and their past events stay).

    Their tasks lose their owner, they leave the meetings still to come, and nothing more about
    the engagement is sent to them: their waiting notifications are withdrawn.
    """
    # Locked and read again: of two removals at once, the second finds nothing left to remove.
    membership = (
        Membership.objects.select_for_update().filter(pk=membership.pk).select_related("user")
    ).first()
    if membership is None:
        return
    values = member_values(membership)
    engagement_id, user = membership.engagement_id, membership.user
    # Every lock is taken before the engagement's, which the first event takes, as each single
    # change takes its own: their meetings still to come first (a meeting's change locks the
    # meeting, then the engagement), then their tasks, all at once, by primary key. Taken one by
    # one, a change of a later task or of one of their meetings would deadlock with this.
    checkpoints_leave(engagement_id=engagement_id, user=user, now=timezone.now())
    owned = Task.objects.select_for_update().filter(engagement_id=engagement_id, owner=user)
    for task in owned.order_by("pk"):
        task_set_owner(task=task, user=removed_by, owner=None)
    membership.delete()
    event_record(
        engagement_id=engagement_id,
        actor=removed_by,
        kind=EventKind.MEMBER_REMOVED,
        changes=values,
    )
    engagement_changed(engagement_id=engagement_id)
