"""Every write to an engagement goes through these functions: they validate, save and log."""

import datetime
import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responsibilities.models import Responsibility

from .audit import event_record, membership_party
from .models import (
    Checkpoint,
    Engagement,
    EventKind,
    Membership,
    Notification,
    NotificationKind,
    NotificationStatus,
    ShareLink,
    Task,
)


def _applicable_items(engagement: Engagement) -> list[Responsibility]:
    """Active catalogue items that apply, less any whose ancestor does not apply."""
    items = list(
        Responsibility.objects.applicable(
            services=engagement.services(), conditions=engagement.conditions()
        ).in_catalogue_order()
    )
    included = {item.pk for item in items}
    parent_of = {item.pk: item.parent_id for item in items}

    def ancestors_included(item):
        parent_id = item.parent_id
        while parent_id is not None:
            if parent_id not in included:
                return False
            parent_id = parent_of[parent_id]
        return True

    return [item for item in items if ancestors_included(item)]


def _snapshot_catalogue(engagement: Engagement) -> int:
    """Copy the applicable catalogue into tasks; return how many were created."""
    items = _applicable_items(engagement)
    task_for_item: dict[int, Task] = {}
    tasks_by_depth: dict[int, list[Task]] = {}
    for position, item in enumerate(items, start=1):
        parent_task = task_for_item.get(item.parent_id)
        task = Task(
            engagement=engagement,
            responsibility=item,
            parent=parent_task,
            phase=item.phase,
            party=item.party,
            section=item.section,
            depth=parent_task.depth + 1 if parent_task else 1,
            position=position,
            text_pt=item.text_pt,
            text_en=item.text_en,
            catalogue_note_pt=item.note_pt,
            catalogue_note_en=item.note_en,
        )
        task_for_item[item.pk] = task
        tasks_by_depth.setdefault(task.depth, []).append(task)
    # A level at a time, so each child's parent already has its primary key.
    for depth in sorted(tasks_by_depth):
        Task.objects.bulk_create(tasks_by_depth[depth])
    return len(items)


@transaction.atomic
def engagement_create(*, engagement: Engagement, created_by: AbstractBaseUser) -> Engagement:
    """Save a new engagement and snapshot the catalogue items that apply to it into tasks."""
    engagement.full_clean()
    engagement.save()
    task_count = _snapshot_catalogue(engagement)
    event_record(
        engagement_id=engagement.pk,
        actor=created_by,
        kind=EventKind.ENGAGEMENT_CREATED,
        new_value=str(task_count),
    )
    engagement.refresh_from_db(fields=["audit_length", "audit_head"])
    return engagement


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


@transaction.atomic
def task_set_done(*, task: Task, user: AbstractBaseUser, done: bool, reason: str = "") -> Task:
    """Put the task in the asked state; asking for the state it is already in changes nothing.

    A manager ticking the other party's task (allowed when that party has no manager) is
    recorded as acting on that party's behalf.
    """
    task = _locked(task)
    if task.done == done:
        return task
    task.done = done
    task.done_at = timezone.now() if done else None
    task.done_by = user if done else None
    task.save(update_fields=["done", "done_at", "done_by"])
    party = membership_party(task.engagement_id, user)
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        party=party,
        kind=EventKind.TASK_DONE if done else EventKind.TASK_REOPENED,
        reason=reason,
        on_behalf_of=task.party if party and party != task.party else "",
    )
    return task


@transaction.atomic
def task_set_note(*, task: Task, user: AbstractBaseUser, note: str) -> Task:
    """Replace the task's note, logging the old and the new text."""
    task = _locked(task)
    note = note.strip()
    if task.note == note:
        return task
    old_note, task.note = task.note, note
    task.save(update_fields=["note"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.NOTE_CHANGED,
        old_value=old_note,
        new_value=note,
    )
    return task


@transaction.atomic
def task_set_due_date(*, task: Task, user: AbstractBaseUser, due_date: date | None) -> Task:
    """Set or clear the task's due date, logging the change."""
    task = _locked(task)
    if task.due_date == due_date:
        return task
    old_date, task.due_date = task.due_date, due_date
    task.save(update_fields=["due_date"])
    event_record(
        engagement_id=task.engagement_id,
        task=task,
        actor=user,
        kind=EventKind.DUE_DATE_CHANGED,
        old_value=old_date.isoformat() if old_date else "",
        new_value=due_date.isoformat() if due_date else "",
    )
    return task


def _checkpoint_validate(*, engagement, starts_at, ends_at, attendees, now) -> None:
    errors = {}
    if starts_at <= now:
        errors["starts_at"] = _("A checkpoint cannot start in the past.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    member_ids = set(engagement.memberships.values_list("user_id", flat=True))
    outsiders = [str(user) for user in attendees if user.pk not in member_ids]
    if outsiders:
        errors["attendees"] = _("Not members of this engagement: %(names)s.") % {
            "names": ", ".join(outsiders)
        }
    if errors:
        raise ValidationError(errors)


def _checkpoint_reminders_sync(checkpoint: Checkpoint, now) -> None:
    """Make the pending reminders match the checkpoint's time and attendees.

    A reminder's key holds the start time, so a rescheduled checkpoint gets fresh reminders
    while the ones already sent for the old time stay in the log.
    """
    wanted = {}
    if not checkpoint.is_cancelled:
        start_stamp = int(checkpoint.starts_at.timestamp())
        for user in checkpoint.attendees.all():
            for minutes in settings.CHECKPOINT_REMINDER_MINUTES:
                due_at = checkpoint.starts_at - datetime.timedelta(minutes=minutes)
                if due_at <= now:  # already past when scheduled: nothing to remind of
                    continue
                key = f"checkpoint-reminder:{checkpoint.pk}:{start_stamp}:{minutes}:{user.pk}"
                wanted[key] = Notification(
                    key=key,
                    kind=NotificationKind.CHECKPOINT_REMINDER,
                    recipient=user,
                    checkpoint=checkpoint,
                    minutes_before=minutes,
                    due_at=due_at,
                )
    reminders = Notification.objects.filter(
        checkpoint=checkpoint, kind=NotificationKind.CHECKPOINT_REMINDER
    )
    reminders.filter(status=NotificationStatus.PENDING).exclude(key__in=wanted).update(
        status=NotificationStatus.WITHDRAWN
    )
    reminders.filter(status=NotificationStatus.WITHDRAWN, key__in=wanted).update(
        status=NotificationStatus.PENDING
    )
    Notification.objects.bulk_create(wanted.values(), ignore_conflicts=True)


def _checkpoint_event(checkpoint, user, kind, old_value="", new_value=""):
    event_record(
        engagement_id=checkpoint.engagement_id,
        checkpoint=checkpoint,
        actor=user,
        kind=kind,
        old_value=old_value,
        new_value=new_value,
    )


def _describe_time(checkpoint) -> str:
    return f"{checkpoint.starts_at.isoformat()} – {checkpoint.ends_at.isoformat()}"


@transaction.atomic
def checkpoint_schedule(
    *,
    engagement: Engagement,
    user: AbstractBaseUser,
    phase,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str = "",
    agenda: str = "",
    attendees=(),
) -> Checkpoint:
    """Schedule a meeting and the reminders its attendees will get before it."""
    now = timezone.now()
    attendees = list(attendees)
    _checkpoint_validate(
        engagement=engagement, starts_at=starts_at, ends_at=ends_at, attendees=attendees, now=now
    )
    checkpoint = Checkpoint(
        engagement=engagement,
        phase=phase,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        agenda=agenda,
        created_by=user,
    )
    checkpoint.full_clean()
    checkpoint.save()
    checkpoint.attendees.set(attendees)
    _checkpoint_reminders_sync(checkpoint, now)
    _checkpoint_event(
        checkpoint, user, EventKind.CHECKPOINT_SCHEDULED, new_value=_describe_time(checkpoint)
    )
    return checkpoint


# A calendar must pick up a change to any of these (they are in the .ics): RFC 5545 wants
# SEQUENCE raised. Phase and kind are the portal's own.
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "location", "agenda", "attendees")


def _checkpoint_values(checkpoint: Checkpoint, attendees) -> dict:
    return {
        "phase": checkpoint.phase.code,
        "kind": checkpoint.kind,
        "title": checkpoint.title,
        "starts_at": checkpoint.starts_at.astimezone(datetime.UTC).isoformat(),
        "ends_at": checkpoint.ends_at.astimezone(datetime.UTC).isoformat(),
        "location": checkpoint.location,
        "agenda": checkpoint.agenda,
        "attendees": ", ".join(sorted(u.get_full_name() or u.get_username() for u in attendees)),
    }


@transaction.atomic
def checkpoint_update(
    *,
    checkpoint: Checkpoint,
    user: AbstractBaseUser,
    phase,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str = "",
    agenda: str = "",
    attendees=(),
) -> Checkpoint:
    """Change or reschedule a meeting that has not started; reminders follow the new time.

    Records what changed from what to what; a save that changes nothing records nothing.
    """
    now = timezone.now()
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if checkpoint.is_cancelled or checkpoint.has_started(now):
        raise ValidationError(
            _("This checkpoint has started or was cancelled: it can no longer change.")
        )
    attendees = list(attendees)
    _checkpoint_validate(
        engagement=checkpoint.engagement,
        starts_at=starts_at,
        ends_at=ends_at,
        attendees=attendees,
        now=now,
    )
    before = _checkpoint_values(checkpoint, checkpoint.attendees.all())
    for name, value in {
        "phase": phase,
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": location,
        "agenda": agenda,
    }.items():
        setattr(checkpoint, name, value)
    after = _checkpoint_values(checkpoint, attendees)
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return checkpoint
    if set(changed) & set(_CALENDAR_FIELDS):
        checkpoint.sequence += 1
    checkpoint.full_clean()
    checkpoint.save()
    checkpoint.attendees.set(attendees)
    _checkpoint_reminders_sync(checkpoint, now)
    _checkpoint_event(
        checkpoint,
        user,
        EventKind.CHECKPOINT_CHANGED,
        "; ".join(f"{name}: {before[name]}" for name in changed),
        "; ".join(f"{name}: {after[name]}" for name in changed),
    )
    return checkpoint


@transaction.atomic
def checkpoint_cancel(*, checkpoint: Checkpoint, user: AbstractBaseUser) -> Checkpoint:
    """Cancel a meeting: its pending reminders are withdrawn and its attendees told."""
    now = timezone.now()
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if checkpoint.is_cancelled:
        return checkpoint
    if checkpoint.has_started(now):
        raise ValidationError(
            _("This checkpoint has already started: it can no longer be cancelled.")
        )
    checkpoint.cancelled_at = now
    checkpoint.sequence += 1
    checkpoint.save(update_fields=["cancelled_at", "sequence"])
    _checkpoint_reminders_sync(checkpoint, now)
    Notification.objects.bulk_create(
        [
            Notification(
                key=f"checkpoint-cancelled:{checkpoint.pk}:{user_id}",
                kind=NotificationKind.CHECKPOINT_CANCELLED,
                recipient_id=user_id,
                checkpoint=checkpoint,
                due_at=now,
            )
            for user_id in checkpoint.attendees.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
    _checkpoint_event(checkpoint, user, EventKind.CHECKPOINT_CANCELLED, _describe_time(checkpoint))
    return checkpoint


def _member_label(membership: Membership) -> str:
    user = membership.user
    name = user.get_full_name() or user.get_username()
    # Names only: the trail is kept for good and exported; the members page has addresses.
    return f"{name} ({membership.get_party_display()}, {membership.get_role_display()})"


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
    Notification.objects.create(
        key=f"invitation:{membership.pk}",
        kind=NotificationKind.INVITATION,
        recipient=membership.user,
        engagement=membership.engagement,
        due_at=timezone.now(),
    )
    event_record(
        engagement_id=membership.engagement_id,
        actor=added_by,
        kind=EventKind.MEMBER_ADDED,
        new_value=_member_label(membership),
    )
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
        old_value=_member_label(before),
        new_value=_member_label(membership),
    )
    return membership


@transaction.atomic
def engagement_update(
    *, engagement: Engagement, changed_by: AbstractBaseUser, changed_fields: list[str]
) -> Engagement:
    """Save an admin's edit of an engagement's details, recording from what to what."""
    before = Engagement.objects.get(pk=engagement.pk)
    engagement.full_clean()
    engagement.save(update_fields=changed_fields or None)
    if changed_fields:
        event_record(
            engagement_id=engagement.pk,
            actor=changed_by,
            kind=EventKind.ENGAGEMENT_CHANGED,
            old_value=_fields_text(before, changed_fields),
            new_value=_fields_text(engagement, changed_fields),
        )
    return engagement


def _fields_text(instance, names) -> str:
    return "; ".join(f"{name}: {getattr(instance, name)}" for name in names)


@transaction.atomic
def member_remove(*, membership: Membership, removed_by: AbstractBaseUser) -> None:
    """Take a person off the engagement (their account and their past events stay).

    They leave the meetings still to come, and nothing more about the engagement is sent to
    them: their waiting notifications are withdrawn.
    """
    label = _member_label(membership)
    engagement_id, user = membership.engagement_id, membership.user
    membership.delete()
    now = timezone.now()
    upcoming = Checkpoint.objects.select_for_update().filter(
        engagement_id=engagement_id, attendees=user, starts_at__gt=now, cancelled_at__isnull=True
    )
    for checkpoint in upcoming:
        checkpoint.attendees.remove(user)
        checkpoint.sequence += 1  # the calendar's attendee list changed
        checkpoint.save(update_fields=["sequence"])
        _checkpoint_reminders_sync(checkpoint, now)
    Notification.objects.filter(
        Q(engagement_id=engagement_id)
        | Q(checkpoint__engagement_id=engagement_id)
        | Q(task__engagement_id=engagement_id),
        recipient=user,
        status=NotificationStatus.PENDING,
    ).update(status=NotificationStatus.WITHDRAWN)
    event_record(
        engagement_id=engagement_id,
        actor=removed_by,
        kind=EventKind.MEMBER_REMOVED,
        old_value=label,
    )


SHARE_LINK_MAX_DAYS = 90


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_link_create(
    *, engagement: Engagement, user: AbstractBaseUser, label: str, expires_on: date
) -> tuple[ShareLink, str]:
    """Make a read-only dashboard link; returns it with its token, which is never stored."""
    today = timezone.localdate()
    if not today < expires_on <= today + datetime.timedelta(days=SHARE_LINK_MAX_DAYS):
        raise ValidationError(
            {
                "expires_on": _(
                    "Choose an expiry date after today and at most %(days)d days ahead."
                )
                % {"days": SHARE_LINK_MAX_DAYS}
            }
        )
    token = secrets.token_urlsafe(32)
    expires_at = timezone.make_aware(
        datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time())
    )
    link = ShareLink(
        engagement=engagement,
        label=label.strip(),
        token_hash=share_token_hash(token),
        created_by=user,
        expires_at=expires_at,
    )
    link.full_clean()
    link.save()
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        kind=EventKind.SHARE_LINK_CREATED,
        new_value=f"{link.label} (expires {expires_on.isoformat()})",
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, user: AbstractBaseUser) -> ShareLink:
    """Stop a share link from opening anything; revoking twice changes nothing."""
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    event_record(
        engagement_id=link.engagement_id,
        actor=user,
        kind=EventKind.SHARE_LINK_REVOKED,
        old_value=link.label,
    )
    return link
