"""General responsibilities: standing commitments each party acknowledges once, before it signs
off the first phase, never ticked and never counted as progress, overdue or due."""

import contextlib
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.activity.text import event_change_text
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.gates.state import general_texts_hash
from engagements.models import GeneralAcknowledgement, Membership, Role, Task
from engagements.selectors.tasks import user_due_tasks
from engagements.services.tasks import task_set_done, task_set_due_date
from engagements.status.selectors import engagement_statuses
from engagements.verify.checks import engagement_state_problems
from notifications.daily import queue_task_due_notes
from notifications.models import Notification
from responsibilities.models import Party, Phase

from .factories import make_engagement
from .test_rules import snapshot

CLOCK_START = "2026-11-02 12:00"


@contextlib.contextmanager
def refused(match):
    with translation.override("en"), pytest.raises(ValidationError, match=match):
        yield


@pytest.fixture
def iniciar(db):
    return Phase.objects.get(code="iniciar")


def general(engagement, party=Party.CUSTOMER):
    return engagement.tasks.filter(phase=None, party=party).order_by("position")


def finish_iniciar(engagement, carla, miguel):
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase__code="iniciar"):
        task_set_done(task=task, user=manager[task.party], done=True)


def page(client, user, engagement):
    client.force_login(user)
    return client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()


def test_a_general_responsibility_is_never_ticked_nor_given_a_due_date(
    clock, client, engagement, carla
):
    task = general(engagement).first()
    before = snapshot(engagement)
    with refused("standing commitments"):
        task_set_done(task=task, user=carla, done=True)
    with refused("standing commitments"):
        task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 12, 1))
    client.force_login(carla)
    response = client.post(
        reverse("task-set-done", args=[engagement.pk, task.pk]),
        {"done": "1"},
        headers={"HX-Request": "true"},
    )
    assert "compromissos permanentes" in response.content.decode()  # Carla reads Portuguese
    bulk = {"action": "done", "tasks": [task.pk]}
    client.post(reverse("tasks-bulk", args=[engagement.pk]), bulk)
    assert snapshot(engagement) == before
    # Clearing a due date an older version let someone set stays possible.
    Task.objects.filter(pk=task.pk).update(due_date=datetime.date(2026, 12, 1))
    task_set_due_date(task=task, user=carla, due_date=None)
    task.refresh_from_db()
    assert task.due_date is None


def test_the_task_page_shows_them_as_commitments_without_a_tick_or_a_due_date(
    client, engagement, carla
):
    Profile.objects.create(user=carla, language="en")
    task = general(engagement).first()
    html = page(client, carla, engagement)
    row = html[html.index(f'id="task-{task.pk}"') :]
    row = row[: row.index("</li>")]
    assert "Standing commitment" in row
    assert "/done/" not in row and "/due-date/" not in row
    assert "Owner and note" in row
    assert "do not count in the progress" in html


def test_they_leave_progress_overdue_due_soon_and_digests(clock, engagement, carla, vera):
    task = general(engagement).first()
    # Rows from before this rule may hold a due date: they still count for nothing.
    Task.objects.filter(pk=task.pk).update(due_date=datetime.date(2026, 10, 1))
    status = engagement_statuses([engagement], timezone.now())[engagement.pk]
    assert status.overall.total == engagement.tasks.exclude(phase=None).count()
    assert status.overdue == 0
    assert not any(p.phase is None for p in status.progress().phases)
    assert user_due_tasks(vera, timezone.localdate()) == []
    Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate())
    queue_task_due_notes(now=timezone.now() + datetime.timedelta(days=1))
    assert not Notification.objects.filter(task=task).exists()
    # A phase task with the same date is counted, so the rule, not the date, leaves it out.
    phase_task = engagement.tasks.exclude(phase=None).first()
    Task.objects.filter(pk=phase_task.pk).update(due_date=datetime.date(2026, 10, 1))
    status = engagement_statuses([engagement], timezone.now())[engagement.pk]
    assert status.overdue == 1


def test_each_party_acknowledges_once_before_signing_off_the_first_phase(
    clock, engagement, iniciar, carla, miguel
):
    finish_iniciar(engagement, carla, miguel)
    with refused("Acknowledge Customer's general responsibilities"):
        gate_sign(engagement=engagement, phase=iniciar, user=carla)
    with translation.override("en"):
        acknowledgement = general_acknowledge(engagement=engagement, user=carla)
    assert (acknowledgement.party, acknowledgement.on_behalf) == ("customer", False)
    assert acknowledgement.language == "en"
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    with refused("already acknowledged"):
        general_acknowledge(engagement=engagement, user=carla)
    # Miguel's own party still has to acknowledge; Carla may not do it for Microsoft.
    with refused("has a manager"):
        general_acknowledge(engagement=engagement, user=carla, party=Party.MICROSOFT)
    with refused("Acknowledge Microsoft's"):
        gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    general_acknowledge(engagement=engagement, user=miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    # Only the first phase waits for acknowledgements.
    assert GeneralAcknowledgement.objects.filter(engagement=engagement).count() == 2
    call_command("verify_audit")


def test_a_later_phase_does_not_wait_for_acknowledgements(clock, engagement, carla, miguel):
    avaliar = Phase.objects.get(code="avaliar")
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase=avaliar):
        if task.evidence_required:
            continue
        task_set_done(task=task, user=manager[task.party], done=True)
    Task.objects.filter(engagement=engagement, phase=avaliar).update(done=True)
    # Avaliar's sign-off is refused for nothing but what Avaliar itself asks.
    gate_sign(engagement=engagement, phase=avaliar, user=carla)


def test_the_acknowledgement_is_audited_in_the_acknowledger_s_language(clock, engagement, carla):
    with translation.override("pt-br"):
        general_acknowledge(engagement=engagement, user=carla)
    event = engagement.events.get(kind="general_acknowledged")
    count = general(engagement).count()
    assert event.changes["tasks"] == list(general(engagement).values_list("pk", flat=True))
    assert (event.party, event.changes["language"]) == ("customer", "pt-br")
    with translation.override("en"):
        assert event_change_text(event) == (
            f"Customer, {count} general responsibilities, read in Brazilian Portuguese"
        )
    with translation.override("pt-br"):
        assert event_change_text(event) == (
            f"Cliente, {count} responsabilidades gerais, lidas em Português Brasileiro"
        )


def test_a_manager_acknowledges_for_a_party_with_no_manager_on_its_behalf(
    clock, catalogue, ada, carla, miguel
):
    solo = make_engagement(created_by=ada, customer="Solo")
    Membership.objects.create(engagement=solo, user=carla, party=Party.CUSTOMER, role=Role.MANAGER)
    acknowledgement = general_acknowledge(engagement=solo, user=carla, party=Party.MICROSOFT)
    assert acknowledgement.on_behalf and acknowledgement.acknowledged_by == carla
    event = solo.events.get(kind="general_acknowledged")
    assert (event.party, event.on_behalf_of) == ("customer", "microsoft")


def test_the_gate_panel_offers_the_acknowledgement_to_whom_the_rules_allow(
    client, engagement, carla, vera
):
    Profile.objects.create(user=carla, language="en")
    html = page(client, carla, engagement)
    assert "Acknowledge Customer's general responsibilities" in html
    assert "Acknowledge Microsoft's general responsibilities" not in html
    assert "not yet acknowledged" in html
    client.force_login(carla)
    response = client.post(
        reverse("general-acknowledge", args=[engagement.pk]), {"party": "customer"}, follow=True
    )
    html = response.content.decode()
    assert "Customer&#x27;s general responsibilities are acknowledged." in html
    assert f"Customer's {general(engagement).count()} general responsibilities" in html
    assert "acknowledged by Carla" in html
    assert "Acknowledge Customer's general responsibilities" not in html
    assert "/general/acknowledge/" not in page(client, vera, engagement)


def test_the_party_may_not_be_forged_and_a_refusal_changes_nothing(client, engagement, carla, vera):
    url = reverse("general-acknowledge", args=[engagement.pk])
    before = snapshot(engagement)
    client.force_login(carla)
    assert client.post(url, {"party": "microsoft"}).status_code == 403
    client.post(url, {"party": "nobody"})
    client.force_login(vera)
    assert client.post(url, {"party": "customer"}).status_code == 403
    assert snapshot(engagement) == before
    assert not GeneralAcknowledgement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("language", "en"), ("texts_hash", "0" * 64), ("party", "microsoft")]
)
def test_verify_audit_names_an_acknowledgement_changed_in_the_database(
    clock, engagement, carla, field, value
):
    acknowledgement = general_acknowledge(engagement=engagement, user=carla)
    assert engagement_state_problems(engagement) == []
    GeneralAcknowledgement.objects.filter(pk=acknowledgement.pk).update(**{field: value})
    (problem,) = engagement_state_problems(engagement)
    assert f"acknowledgement {acknowledgement.pk}" in problem and field in problem
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_verify_audit_names_a_deleted_or_slipped_in_acknowledgement(
    clock, engagement, carla, miguel
):
    acknowledgement = general_acknowledge(engagement=engagement, user=carla)
    GeneralAcknowledgement.objects.filter(pk=acknowledgement.pk).delete()
    assert engagement_state_problems(engagement) == [
        f"engagement {engagement.pk} (Fabrikam), acknowledgement {acknowledgement.pk}: "
        "missing (deleted?)"
    ]
    slipped = GeneralAcknowledgement.objects.create(
        engagement=engagement, party="microsoft", acknowledged_by=miguel, language="en"
    )
    assert f"acknowledgement {slipped.pk} for microsoft: no event" in " ".join(
        engagement_state_problems(engagement)
    )


def test_the_acknowledgement_hashes_the_texts_as_read_in_its_language(clock, engagement, carla):
    with translation.override("en"):
        acknowledgement = general_acknowledge(engagement=engagement, user=carla)
    english = general_texts_hash(engagement, Party.CUSTOMER, "en")
    assert acknowledgement.texts_hash == english
    assert english != general_texts_hash(engagement, Party.CUSTOMER, "pt-br")
    task = general(engagement).first()
    Task.objects.filter(pk=task.pk).update(text_en=task.text_en + " (changed)")
    assert general_texts_hash(engagement, Party.CUSTOMER, "en") != english


def test_a_party_without_general_responsibilities_signs_without_acknowledging(
    clock, engagement, iniciar, carla, miguel
):
    finish_iniciar(engagement, carla, miguel)
    general(engagement, Party.MICROSOFT).delete()
    with refused("no general responsibilities"):
        general_acknowledge(engagement=engagement, user=miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    with refused("Acknowledge Customer's"):
        gate_sign(engagement=engagement, phase=iniciar, user=carla)


def test_the_task_page_filters_never_count_them_open_done_or_due(clock, client, engagement, carla):
    Profile.objects.create(user=carla, language="en")
    task = general(engagement).first()
    # Rows from before this rule may be ticked or hold a past due date.
    Task.objects.filter(pk=task.pk).update(due_date=datetime.date(2026, 10, 1))
    other = general(engagement)[1]
    Task.objects.filter(pk=other.pk).update(done=True)
    client.force_login(carla)
    url = reverse("engagement-detail", args=[engagement.pk])
    for params in ({"status": "open"}, {"status": "done"}, {"due": "overdue"}, {"due": "week"}):
        shown = {
            shown_task.pk
            for group in client.get(url, params).context["groups"]
            for shown_task in group.tasks
        }
        assert not shown & {task.pk, other.pk}, params
    html = page(client, carla, engagement)
    row = html[html.index(f'id="task-{task.pk}"') :]
    assert "(overdue)" not in row[: row.index("</li>")]


def test_a_withdrawn_general_responsibility_is_no_longer_acknowledged(clock, engagement, carla):
    withdrawn = general(engagement).first()
    Task.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    general_acknowledge(engagement=engagement, user=carla)
    event = engagement.events.get(kind="general_acknowledged")
    assert withdrawn.pk not in event.changes["tasks"]
    assert len(event.changes["tasks"]) == general(engagement).count() - 1


def test_all_matching_ticks_and_dates_the_phases_tasks_and_leaves_the_commitments(
    clock, client, engagement, carla
):
    client.force_login(carla)
    url = reverse("tasks-bulk", args=[engagement.pk])
    form = {"due_date": "2026-12-20", "all_matching": "on", "filters": "party=customer"}
    assert client.post(url, form | {"action": "due_date"}).status_code == 302
    customer = engagement.tasks.filter(party=Party.CUSTOMER)
    assert not customer.filter(phase=None).exclude(due_date=None).exists()
    assert not customer.exclude(phase=None).filter(due_date=None).exists()
    client.post(url, form | {"action": "owner", "owner": carla.pk})
    assert not customer.filter(owner=None).exists()  # owners reach the commitments too
