"""One-off tasks: a manager adds a task the catalogue does not hold.

Such a task has no catalogue item, so catalogue applies and scope changes never see it (the
planner goes by item keys): it is never reworded, withdrawn or added twice. Otherwise it is a
task like any other: ticked, owned, dated, counted in the tallies and the stored status. Its
words are kept as typed, in both text fields, with the language they were typed in.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.audit import task_text_hash
from engagements.journal import engagement_changed, engagement_lock, event_record
from engagements.models import Engagement, EventKind, GateSignOff, Membership, Task
from engagements.services.tasks import owner_value
from fasttrack import bounds
from fasttrack.formatting import format_date
from responsibilities.models import PARTIES, Phase

TYPED_LANGUAGES = ("pt-br", "en")


def _validate(*, party, phase, text, language, due_date, evidence_hint) -> None:
    errors = {}
    if party not in PARTIES:
        errors["party"] = _("Choose the customer or Microsoft.")
    if phase is None:
        errors["phase"] = _("Choose the phase the task belongs to.")
    if not text:
        errors["text"] = _("Say what is to be done.")
    if language not in TYPED_LANGUAGES:
        errors["language"] = _("Choose Portuguese or English.")
    if errors:
        raise ValidationError(errors)
    bounds.validate_fields(
        {
            "text": (text, bounds.single_line(bounds.TASK_TEXT_MAX_LENGTH)),
            "evidence_hint": (evidence_hint, bounds.single_line(bounds.TASK_TEXT_MAX_LENGTH)),
            "due_date": (due_date, [bounds.validate_date_in_window]),
        }
    )


@transaction.atomic
def task_add_one_off(
    *,
    engagement: Engagement,
    user: AbstractBaseUser,
    party: str,
    phase: Phase | None,
    text: str,
    language: str,
    due_date: datetime.date | None = None,
    owner: AbstractBaseUser | None = None,
    evidence_required: bool = False,
    evidence_hint: str = "",
) -> Task:
    """Add a task of the user's making to a phase, for a party whose tasks they may tick;
    refused in a phase signed off by either party (reopen it first)."""
    text, evidence_hint = text.strip(), evidence_hint.strip()
    _validate(
        party=party,
        phase=phase,
        text=text,
        language=language,
        due_date=due_date,
        evidence_hint=evidence_hint,
    )
    locked = engagement_lock(engagement.pk)
    access = engagement_access(engagement, user)
    if not access.can_add_task(party):
        raise PermissionDenied(_("Your role on this engagement does not allow this."))
    # Checked under the engagement's lock, which a sign-off takes too: an open task added to a
    # signed phase would no longer match the state its sign-off vouched for.
    if GateSignOff.objects.filter(
        gate__engagement_id=engagement.pk, gate__phase=phase, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(
            {
                "phase": _(
                    "%(phase)s has been signed off: reopen it, with a reason, to add a task to it."
                )
                % {"phase": phase.name}
            }
        )
    if due_date is not None and due_date < locked.purchase_date:
        raise ValidationError(
            {
                "due_date": _("A due date cannot be before the licence purchase date (%(date)s).")
                % {"date": format_date(locked.purchase_date)}
            }
        )
    if (
        owner is not None
        and not Membership.objects.filter(engagement=engagement, user=owner, party=party).exists()
    ):
        raise ValidationError({"owner": _("Only a member of the task's party can own it.")})
    last = Task.objects.filter(engagement=engagement).aggregate(last=Max("position"))["last"]
    task = Task.objects.create(
        engagement=engagement,
        phase=phase,
        party=party,
        position=(last or 0) + 1,
        text_pt=text,
        text_en=text,
        typed_language=language,
        evidence_required=evidence_required,
        evidence_hint_pt=evidence_hint,
        evidence_hint_en=evidence_hint,
        due_date=due_date,
        owner=owner,
    )
    event_record(
        engagement_id=engagement.pk,
        engagement=locked,
        actor=user,
        kind=EventKind.TASK_CREATED,
        task=task,
        # A party's manager adding a task for a party without one acts on its behalf.
        on_behalf_of=party if access.party != party else "",
        changes={
            "party": party,
            "phase": phase.code,
            "text": text,
            "language": language,
            "due_date": due_date.isoformat() if due_date else None,
            "owner": owner_value(owner),
            "evidence_required": evidence_required,
            "evidence_hint": evidence_hint,
            "text_hash": task_text_hash(task),
        },
    )
    engagement_changed(engagement_id=engagement.pk, engagement=locked)
    return task
