"""The confirm-a-tick service on its own, without the view in front of it: a tick made on a
party's behalf is confirmed by that party's managers only (access.py's can_confirm_task)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from engagements.models import Membership, Role
from engagements.services.tasks import task_confirm, task_set_done
from responsibilities.models import Party

from .factories import make_engagement, make_user
from .test_rules import snapshot

OTHER = {Party.CUSTOMER: Party.MICROSOFT, Party.MICROSOFT: Party.CUSTOMER}


@pytest.fixture(params=[Party.CUSTOMER, Party.MICROSOFT])
def ticked_on_behalf(request, catalogue, carla, miguel, vera, ada):
    """Carla ticks the other party's task while it has no manager; then Miguel joins as its
    manager and Vera as its viewer. The task, awaiting Miguel's confirmation."""
    party = request.param
    engagement = make_engagement(created_by=ada, customer="Solo", intune=True)
    Membership.objects.create(engagement=engagement, user=carla, party=party, role=Role.MANAGER)
    task = engagement.tasks.filter(
        party=OTHER[party], phase__isnull=False, evidence_required=False
    ).first()
    task = task_set_done(task=task, user=carla, done=True)
    for user, role in ((miguel, Role.MANAGER), (vera, Role.VIEWER)):
        Membership.objects.create(engagement=engagement, user=user, party=OTHER[party], role=role)
    assert task.awaiting_confirmation
    return task


def refused_to(task, user):
    before = snapshot(task.engagement)
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="Only a manager of the task's party"),
    ):
        task_confirm(task=task, user=user)
    assert snapshot(task.engagement) == before


def test_the_manager_who_ticked_on_behalf_cannot_confirm_it(ticked_on_behalf, carla):
    refused_to(ticked_on_behalf, carla)


def test_a_viewer_of_the_task_s_party_cannot_confirm_it(ticked_on_behalf, vera):
    refused_to(ticked_on_behalf, vera)


def test_staff_and_outsiders_cannot_confirm_it(ticked_on_behalf, ada):
    refused_to(ticked_on_behalf, ada)
    refused_to(ticked_on_behalf, make_user("olga"))


def test_a_manager_of_the_wrong_party_is_refused_even_when_nothing_awaits(
    ticked_on_behalf, carla, miguel
):
    """Refused, not let through as a change of nothing: the rule does not depend on the
    task's state."""
    task_confirm(task=ticked_on_behalf, user=miguel)
    refused_to(ticked_on_behalf, carla)


def test_a_manager_of_the_task_s_party_confirms_it(ticked_on_behalf, miguel):
    task = task_confirm(task=ticked_on_behalf, user=miguel)
    assert not task.awaiting_confirmation
    event = task.events.get(kind="task_confirmed")
    assert (event.actor, event.party) == (miguel, task.party)
