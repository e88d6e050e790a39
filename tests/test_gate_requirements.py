"""What a gate needs (engagements/gates/requirements.py) is one rule for the page and the
service: in each situation at its edges the task page offers a party's sign-off exactly when
the service accepts it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.models import Membership, Role
from engagements.services.tasks import task_set_done
from responsibilities.models import Party, Phase

from .factories import acknowledge_general, make_engagement

CLOCK_START = "2026-11-02 12:00"


def tick_all(engagement, phase, user):
    for task in engagement.tasks.filter(phase=phase, done=False).order_by("pk"):
        task_set_done(task=task, user=user, done=True)


def ours(carla, miguel):
    return lambda task: carla if task.party == Party.CUSTOMER else miguel


def finished_but_unacknowledged(engagement, iniciar, carla, miguel, ada):
    by_party = ours(carla, miguel)
    for task in engagement.tasks.filter(phase=iniciar).order_by("pk"):
        task_set_done(task=task, user=by_party(task), done=True)
    return engagement


def finished(engagement, iniciar, carla, miguel, ada):
    acknowledge_general(engagement, carla, miguel)
    return finished_but_unacknowledged(engagement, iniciar, carla, miguel, ada)


def one_task_open(engagement, iniciar, carla, miguel, ada):
    finished(engagement, iniciar, carla, miguel, ada)
    last = engagement.tasks.filter(phase=iniciar).order_by("pk").last()
    task_set_done(task=last, user=ours(carla, miguel)(last), done=False)
    return engagement


def already_signed(engagement, iniciar, carla, miguel, ada):
    finished(engagement, iniciar, carla, miguel, ada)
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    return engagement


def solo(ada, carla):
    engagement = make_engagement(created_by=ada, customer="Solo", intune=True)
    Membership.objects.create(
        engagement=engagement, user=carla, party=Party.CUSTOMER, role=Role.MANAGER
    )
    return engagement


def ticked_for_a_party_with_no_manager(engagement, iniciar, carla, miguel, ada):
    alone = solo(ada, carla)
    tick_all(alone, iniciar, carla)  # Microsoft's on its behalf: no one there to confirm
    for party in Party.values:
        general_acknowledge(engagement=alone, user=carla, party=party)
    return alone


def ticked_for_a_party_that_now_has_a_manager(engagement, iniciar, carla, miguel, ada):
    alone = ticked_for_a_party_with_no_manager(engagement, iniciar, carla, miguel, ada)
    Membership.objects.create(
        engagement=alone, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    return alone


@pytest.mark.parametrize(
    ("situation", "accepted", "refusal"),
    [
        (finished, True, None),
        (finished_but_unacknowledged, False, "Acknowledge Customer's general responsibilities"),
        (one_task_open, False, "1 open task"),
        (already_signed, False, "already signed off"),
        (ticked_for_a_party_with_no_manager, True, None),
        (ticked_for_a_party_that_now_has_a_manager, False, "confirmation"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_the_page_offers_a_sign_off_exactly_when_the_service_accepts_it(
    clock, client, engagement, carla, miguel, ada, situation, accepted, refusal
):
    iniciar = Phase.objects.get(code="iniciar")
    subject = situation(engagement, iniciar, carla, miguel, ada)
    Profile.objects.update_or_create(user=carla, defaults={"language": "en"})
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[subject.pk])).content.decode()
    assert ("Sign off Initiate for the customer" in page) is accepted
    with translation.override("en"):
        if accepted:
            gate_sign(engagement=subject, phase=iniciar, user=carla)
        else:
            with pytest.raises(ValidationError, match=refusal):
                gate_sign(engagement=subject, phase=iniciar, user=carla)


def test_a_tick_no_one_can_confirm_is_not_shown_as_holding_the_gate(
    clock, client, engagement, carla, miguel, ada
):
    iniciar = Phase.objects.get(code="iniciar")
    alone = ticked_for_a_party_with_no_manager(engagement, iniciar, carla, miguel, ada)
    Profile.objects.update_or_create(user=carla, defaults={"language": "en"})
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[alone.pk])).content.decode()
    assert "awaits that party's confirmation" not in page
    assert "await that party's confirmation" not in page
    Membership.objects.create(
        engagement=alone, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    page = client.get(reverse("engagement-detail", args=[alone.pk])).content.decode()
    assert "await that party's confirmation before the phase can be signed off" in page
