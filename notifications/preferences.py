"""How each person wants each kind of notification, for every place that must agree: the
preferences page, the one-click unsubscribe in the emails, the scans that owe due notes and
digests, and the send, which sends a kind by email, holds it for the digest or withdraws it.

Sign-off requests and invitations cannot be turned off: a phase closes only when a manager of
each party signs it, and an invitation is how a new member learns they may sign in. Meeting
reminders, updates and cancellations, and due notes, come by email or not at all: a meeting's
note matters before the meeting, not in the next morning's digest, and the digest lists due and
overdue tasks anyway.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
)

ALL = (Delivery.EMAIL, Delivery.DIGEST, Delivery.NEVER)
ON_TIME_OR_NOT = (Delivery.EMAIL, Delivery.NEVER)


@dataclass(frozen=True)
class KindRule:
    kind: str
    explains: Promise
    offered: tuple[str, ...] = ALL
    # Why it cannot be turned off; empty for a kind that can.
    required_because: Promise | str = ""

    @property
    def label(self) -> str:
        return NotificationKind(self.kind).label

    @property
    def required(self) -> bool:
        return bool(self.required_because)


_SIGN_OFF = gettext_lazy(
    "Required: a phase closes only when a manager of each party signs it off, and this is how "
    "you learn it waits on you."
)

# In the order the preferences page lists them.
RULES = {
    rule.kind: rule
    for rule in (
        KindRule(
            NotificationKind.GATE_READY,
            gettext_lazy("Every task of a phase is done and the phase awaits your sign-off."),
            required_because=_SIGN_OFF,
        ),
        KindRule(
            NotificationKind.GATE_SIGNED,
            gettext_lazy("The other party signed a phase off and it awaits yours."),
            required_because=_SIGN_OFF,
        ),
        KindRule(
            NotificationKind.INVITATION,
            gettext_lazy("You were added to an engagement."),
            required_because=gettext_lazy(
                "Required: it is how you learn that you were added and how to sign in."
            ),
        ),
        KindRule(
            NotificationKind.MENTION,
            gettext_lazy("Someone named you with @ in a comment on a task."),
        ),
        KindRule(
            NotificationKind.TASK_ASSIGNED,
            gettext_lazy("Someone made you the owner of a task."),
        ),
        KindRule(
            NotificationKind.TASK_DUE_TOMORROW,
            gettext_lazy(
                "From 08:00 your time, the day before a task you own or manage is due. The "
                "daily digest lists such tasks anyway."
            ),
            ON_TIME_OR_NOT,
        ),
        KindRule(
            NotificationKind.TASK_OVERDUE,
            gettext_lazy(
                "From 08:00 your time, the day after a task you own or manage became overdue. "
                "The daily digest lists such tasks anyway."
            ),
            ON_TIME_OR_NOT,
        ),
        KindRule(
            NotificationKind.CHECKPOINT_REMINDER,
            gettext_lazy("Before each checkpoint meeting you attend."),
            ON_TIME_OR_NOT,
        ),
        KindRule(
            NotificationKind.CHECKPOINT_UPDATED,
            gettext_lazy("A meeting you attend changed: the update for your calendar."),
            ON_TIME_OR_NOT,
        ),
        KindRule(
            NotificationKind.CHECKPOINT_CANCELLED,
            gettext_lazy("A meeting you attend was cancelled: it leaves your calendar."),
            ON_TIME_OR_NOT,
        ),
        KindRule(
            NotificationKind.CHECKPOINT_REPORT,
            gettext_lazy("The status report of a checkpoint you attended, once it ends."),
        ),
        KindRule(
            NotificationKind.GATE_REOPENED,
            gettext_lazy("A manager of the other party reopened a signed-off phase."),
        ),
        KindRule(
            NotificationKind.TENANT_REVOKED,
            gettext_lazy("The customer's tenant withdrew the portal's access to it."),
        ),
        KindRule(
            NotificationKind.TENANT_DRIFT,
            gettext_lazy("The customer's tenant no longer confirms a task that was done."),
        ),
        KindRule(
            NotificationKind.DIGEST,
            gettext_lazy(
                "At 08:00 your time: overdue tasks, those due within 7 days, and what you chose "
                "to receive in it."
            ),
            ON_TIME_OR_NOT,
        ),
    )
}


def deliveries_of(user_ids, kinds) -> dict[tuple[int, str], str]:
    """(user id, kind) -> delivery, for the pairs whose person chose other than email: one
    query however many people."""
    return {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        ).values_list("user_id", "kind", "delivery")
    }


def delivery_for(user_id: int, kind: str) -> str:
    """How this person wants this kind: a required kind always by email."""
    if RULES[kind].required:
        return Delivery.EMAIL
    return deliveries_of([user_id], [kind]).get((user_id, kind), Delivery.EMAIL)


def preferences_of(user) -> dict[str, str]:
    """Every kind with how this person wants it."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {
        kind: Delivery.EMAIL if rule.required else chosen.get(kind, Delivery.EMAIL)
        for kind, rule in RULES.items()
    }


def _refusal(rule: KindRule, delivery: str) -> str:
    """Why `delivery` may not be chosen for the kind, or ''."""
    if rule.required and delivery != Delivery.EMAIL:
        return _("“%(kind)s” cannot be turned off. %(why)s") % {
            "kind": rule.label,
            "why": rule.required_because,
        }
    if delivery not in rule.offered:
        return _("“%(kind)s” comes by email or not at all: %(choices)s.") % {
            "kind": rule.label,
            "choices": ", ".join(str(Delivery(choice).label) for choice in rule.offered),
        }
    return ""


@transaction.atomic
def notification_preferences_set(*, user, choices: dict[str, str]) -> dict[str, str]:
    """Save how the person wants each kind named in `choices` (the others keep theirs); refuse
    the whole change, keyed by kind, if any choice is not allowed."""
    errors = {}
    for kind, delivery in choices.items():
        if kind not in RULES or delivery not in Delivery.values:
            errors[kind] = _("Choose one of the options offered.")
        elif refusal := _refusal(RULES[kind], delivery):
            errors[kind] = refusal
    wanted = {**preferences_of(user), **choices}
    if not errors and wanted[NotificationKind.DIGEST] == Delivery.NEVER:
        for kind, delivery in choices.items():
            if delivery == Delivery.DIGEST:
                errors[kind] = _(
                    "The daily digest is off: choose email or never for “%(kind)s”, or turn "
                    "the digest on."
                ) % {"kind": RULES[kind].label}
    if errors:
        raise ValidationError(errors)
    _save(user, wanted)
    return wanted


def _save(user, wanted: dict[str, str]) -> None:
    """Keep one row per kind not wanted by email; with the digest off, withdraw what it held."""
    # Two saves at once must not both insert the rows: the person's row is the lock.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, kind=kind, delivery=delivery)
        for kind, delivery in wanted.items()
        if delivery != Delivery.EMAIL
    )
    if wanted[NotificationKind.DIGEST] == Delivery.NEVER:
        Notification.objects.filter(recipient=user, status=NotificationStatus.HELD).update(
            status=NotificationStatus.WITHDRAWN
        )


@transaction.atomic
def notification_unsubscribe(*, user, kinds: list[str]) -> None:
    """Turn these kinds off, as the one-click address in their email asks. Turning the digest
    off turns off what the person chose to receive in it too: they asked for no digest."""
    required = [kind for kind in kinds if RULES[kind].required]
    if required:
        raise ValidationError(_refusal(RULES[required[0]], Delivery.NEVER))
    wanted = preferences_of(user)
    for kind in kinds:
        wanted[kind] = Delivery.NEVER
    if wanted[NotificationKind.DIGEST] == Delivery.NEVER:
        wanted = {k: Delivery.NEVER if d == Delivery.DIGEST else d for k, d in wanted.items()}
    _save(user, wanted)
