"""Phase gates: a finished phase is signed off by a manager of each party, then locked until a
manager reopens it with a reason; sign-offs vouch for the phase's state by its SHA-256."""

import contextlib
import hashlib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.gates.evidence import evidence_add_file, evidence_add_link
from engagements.gates.services import gate_reopen, gate_sign, general_acknowledge
from engagements.gates.state import phase_state, phase_state_hash
from engagements.models import GateSignOff, Membership, Role, Task, TaskEvidence
from engagements.services.tasks import task_confirm, task_set_done
from engagements.verify.checks import engagement_state_problems
from notifications.models import Notification, NotificationKind
from responsibilities.models import Party, Phase

from .factories import acknowledge_general, make_engagement
from .test_evidence import PDF
from .test_notifications import dispatch
from .test_rules import snapshot

CLOCK_START = "2026-11-02 12:00"


@contextlib.contextmanager
def refused(match=None):
    """A service's refusal, read in English (a request before it may have left Portuguese on)."""
    with translation.override("en"), pytest.raises(ValidationError, match=match):
        yield


@pytest.fixture
def iniciar(db):
    return Phase.objects.get(code="iniciar")


def finish(engagement, phase, carla, miguel):
    """Tick every task of the phase, each by its own party's manager; before Iniciar's gate,
    each acknowledges its party's general responsibilities."""
    if phase.code == "iniciar":
        acknowledge_general(engagement, carla, miguel)
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    for task in engagement.tasks.filter(phase=phase, done=False).order_by("pk"):
        task_set_done(task=task, user=manager[task.party], done=True)


def sign_url(engagement, phase):
    return reverse("gate-sign", args=[engagement.pk, phase.code])


def reopen_url(engagement, phase):
    return reverse("gate-reopen", args=[engagement.pk, phase.code])


def active(engagement, phase):
    return GateSignOff.objects.filter(
        gate__engagement=engagement, gate__phase=phase, withdrawn_at__isnull=True
    )


def test_a_phase_with_open_tasks_cannot_be_signed_off(clock, engagement, iniciar, carla, miguel):
    finish(engagement, iniciar, carla, miguel)
    last = engagement.tasks.filter(phase=iniciar).order_by("pk").last()
    task_set_done(task=last, user=carla if last.party == Party.CUSTOMER else miguel, done=False)
    with refused("1 open task"):
        gate_sign(engagement=engagement, phase=iniciar, user=carla)
    assert not GateSignOff.objects.exists()


def test_both_parties_sign_and_the_phase_closes(clock, client, engagement, iniciar, carla, miguel):
    finish(engagement, iniciar, carla, miguel)
    dispatch()  # the phase's tasks are done: its gate-ready notes go first
    mail.outbox.clear()
    client.force_login(carla)
    response = client.post(sign_url(engagement, iniciar), {"party": "customer", "comment": "OK"})
    assert response.status_code == 302
    assert response["Location"].endswith("#phase-iniciar")
    event = engagement.events.get(kind="gate_signed")
    assert event.changes == {
        "phase": "iniciar",
        "party": "customer",
        "sign_off": active(engagement, iniciar).get().pk,
        "comment": "OK",
        "state_hash": phase_state_hash(engagement, iniciar),
        "closed": False,
    }
    # Miguel, whose party is still to sign, is told in his language what Carla did.
    note = Notification.objects.get(kind=NotificationKind.GATE_SIGNED)
    assert note.recipient == miguel and note.event == event
    dispatch()
    (message,) = mail.outbox
    assert message.to == ["miguel@example.com"]
    assert "Iniciar" in message.subject and "OK" in message.body
    client.force_login(miguel)
    client.post(sign_url(engagement, iniciar), {"party": "microsoft"})
    assert set(active(engagement, iniciar).values_list("party", flat=True)) == {
        "customer",
        "microsoft",
    }
    closing = engagement.events.filter(kind="gate_signed").latest("sequence")
    assert closing.changes["closed"] is True
    assert Notification.objects.filter(kind=NotificationKind.GATE_SIGNED).count() == 1


def test_a_party_signs_once(clock, engagement, iniciar, carla, miguel, ada):
    second = Membership.objects.create(
        engagement=engagement,
        user=ada,
        party=Party.CUSTOMER,
        role=Role.MANAGER,
    )
    finish(engagement, iniciar, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    with refused("already signed off"):
        gate_sign(engagement=engagement, phase=iniciar, user=second.user)
    assert active(engagement, iniciar).count() == 1


def test_a_viewer_s_sign_off_is_refused_and_changes_nothing(
    clock, client, engagement, iniciar, carla, miguel, vera
):
    finish(engagement, iniciar, carla, miguel)
    client.force_login(vera)
    before = snapshot(engagement)
    assert client.post(sign_url(engagement, iniciar), {"party": "customer"}).status_code == 403
    assert snapshot(engagement) == before
    assert not GateSignOff.objects.exists()


def test_an_outsider_gets_404(clock, client, engagement, iniciar, carla, miguel, otto):
    finish(engagement, iniciar, carla, miguel)
    client.force_login(otto)
    assert client.post(sign_url(engagement, iniciar), {"party": "customer"}).status_code == 404
    assert client.post(reopen_url(engagement, iniciar), {"reason": "x"}).status_code == 404
    assert not GateSignOff.objects.exists()


def test_a_manager_cannot_sign_for_a_party_that_has_its_own_manager(
    clock, client, engagement, iniciar, carla, miguel
):
    finish(engagement, iniciar, carla, miguel)
    client.force_login(carla)
    before = snapshot(engagement)
    assert client.post(sign_url(engagement, iniciar), {"party": "microsoft"}).status_code == 403
    assert snapshot(engagement) == before
    with refused("has a manager"):
        gate_sign(engagement=engagement, phase=iniciar, user=carla, party=Party.MICROSOFT)


def closed(engagement, phase, carla, miguel):
    finish(engagement, phase, carla, miguel)
    gate_sign(engagement=engagement, phase=phase, user=carla)
    gate_sign(engagement=engagement, phase=phase, user=miguel)


def test_a_task_of_a_signed_phase_cannot_be_unticked(
    clock, client, engagement, iniciar, carla, miguel
):
    closed(engagement, iniciar, carla, miguel)
    task = engagement.tasks.filter(phase=iniciar, party=Party.CUSTOMER).first()
    client.force_login(carla)
    before = snapshot(engagement)
    response = client.post(
        reverse("task-set-done", args=[engagement.pk, task.pk]), {"done": "0"}, follow=True
    )
    assert "reabra" in response.content.decode() or "reopen" in response.content.decode()
    assert snapshot(engagement) == before
    with refused("signed off"):
        task_set_done(task=task, user=carla, done=False)


def test_reopening_withdraws_both_sign_offs_and_tells_the_other_party(
    clock, client, engagement, iniciar, carla, miguel
):
    closed(engagement, iniciar, carla, miguel)
    mail.outbox.clear()
    client.force_login(carla)
    response = client.post(reopen_url(engagement, iniciar), {"reason": "Faltou a evidência"})
    assert response.status_code == 302
    assert not active(engagement, iniciar).exists()
    withdrawn = GateSignOff.objects.filter(gate__phase=iniciar)
    assert withdrawn.count() == 2  # kept, not deleted
    assert set(withdrawn.values_list("withdrawn_reason", flat=True)) == {"Faltou a evidência"}
    event = engagement.events.get(kind="gate_reopened")
    assert event.reason == "Faltou a evidência"
    assert event.changes["withdrawn"] == ["customer", "microsoft"]
    dispatch()
    reopened = [m for m in mail.outbox if "Faltou a evidência" in m.body]
    assert [m.to for m in reopened] == [["miguel@example.com"]]
    page = client.get(reverse("engagement-audit", args=[engagement.pk])).content.decode()
    assert "retiradas" in page  # told in Carla's language (Portuguese)
    task = engagement.tasks.filter(phase=iniciar, party=Party.CUSTOMER).first()
    task_set_done(task=task, user=carla, done=False)
    assert not Task.objects.get(pk=task.pk).done


def test_reopening_needs_a_reason(clock, client, engagement, iniciar, carla, miguel):
    closed(engagement, iniciar, carla, miguel)
    client.force_login(miguel)
    before = snapshot(engagement)
    response = client.post(reopen_url(engagement, iniciar), {"reason": "  "}, follow=True)
    assert response.status_code == 200
    assert snapshot(engagement) == before
    with refused():
        gate_reopen(engagement=engagement, phase=iniciar, user=miguel, reason="")
    assert active(engagement, iniciar).count() == 2


def test_the_sign_off_keeps_the_phase_state_and_verify_audit_names_a_change(
    clock, engagement, iniciar, carla, miguel, capsys
):
    closed(engagement, iniciar, carla, miguel)
    call_command("verify_audit")
    state = phase_state(engagement, iniciar)
    assert state["phase"] == "iniciar" and all(done for _pk, done in state["tasks"])
    task = engagement.tasks.filter(phase=iniciar).first()
    Task.objects.filter(pk=task.pk).update(done=False, done_at=None)  # around the services
    with pytest.raises(CommandError):
        call_command("verify_audit")
    output = capsys.readouterr()
    assert "the phase's state no longer matches the one signed off" in output.out + output.err


def test_an_on_behalf_tick_must_be_confirmed_before_the_gate_closes(
    clock, client, catalogue, carla, miguel, ada, iniciar
):
    solo = make_engagement(created_by=ada, customer="Solo", intune=True)
    Membership.objects.create(engagement=solo, user=carla, party=Party.CUSTOMER, role=Role.MANAGER)
    for task in solo.tasks.filter(phase=iniciar).order_by("pk"):
        task_set_done(task=task, user=carla, done=True)  # Microsoft's on its behalf
    for party in Party.values:
        general_acknowledge(engagement=solo, user=carla, party=party)
    behalf = solo.tasks.filter(phase=iniciar, party=Party.MICROSOFT)
    assert all(task.awaiting_confirmation for task in behalf)
    Membership.objects.create(
        engagement=solo, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    with refused("confirmation"):
        gate_sign(engagement=solo, phase=iniciar, user=carla)
    # Carla, of the other party, may not confirm them.
    client.force_login(carla)
    before = snapshot(solo)
    bulk = {"action": "confirm", "tasks": [task.pk for task in behalf]}
    assert client.post(reverse("tasks-bulk", args=[solo.pk]), bulk).status_code == 403
    assert snapshot(solo) == before
    client.force_login(miguel)
    assert client.post(reverse("tasks-bulk", args=[solo.pk]), bulk).status_code == 302
    assert not solo.tasks.filter(awaiting_confirmation=True).exists()
    assert solo.events.filter(kind="task_confirmed").count() == behalf.count()
    gate_sign(engagement=solo, phase=iniciar, user=carla)
    gate_sign(engagement=solo, phase=iniciar, user=miguel)
    assert active(solo, iniciar).count() == 2
    call_command("verify_audit")


def test_a_manager_signs_on_behalf_of_a_party_with_no_manager(
    clock, client, catalogue, carla, ada, iniciar
):
    solo = make_engagement(created_by=ada, customer="Solo", intune=True)
    Membership.objects.create(engagement=solo, user=carla, party=Party.CUSTOMER, role=Role.MANAGER)
    for task in solo.tasks.filter(phase=iniciar).order_by("pk"):
        task_set_done(task=task, user=carla, done=True)
    for party in Party.values:
        general_acknowledge(engagement=solo, user=carla, party=party)
    client.force_login(carla)
    assert client.post(sign_url(solo, iniciar), {"party": "microsoft"}).status_code == 302
    # The party still to sign is Carla's own: she is not emailed about her own sign-off.
    assert not Notification.objects.filter(kind=NotificationKind.GATE_SIGNED).exists()
    assert client.post(sign_url(solo, iniciar), {"party": "customer"}).status_code == 302
    behalf = active(solo, iniciar).get(party=Party.MICROSOFT)
    assert behalf.on_behalf and behalf.signed_by == carla
    behalf_event, closing = solo.events.filter(kind="gate_signed").order_by("sequence")
    assert (behalf_event.party, behalf_event.on_behalf_of) == ("customer", "microsoft")
    assert (closing.on_behalf_of, closing.changes["closed"]) == ("", True)


def dashboard(client, user, engagement):
    client.force_login(user)
    with translation.override("en"):
        response = client.get(reverse("engagement-dashboard", args=[engagement.pk]))
    return response


def test_the_dashboard_follows_the_gates(clock, client, engagement, iniciar, carla, miguel):
    Profile.objects.create(user=carla, language="en")
    finish(engagement, iniciar, carla, miguel)
    # Done but not signed: Iniciar is still current, waiting on both sign-offs.
    status = dashboard(client, carla, engagement).context["status"]
    assert status.current_phase == iniciar
    with translation.override("en"):
        assert status.waiting_label() == "waiting on both parties' sign-off"
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    html = dashboard(client, carla, engagement).content.decode()
    assert "waiting on Microsoft&#x27;s sign-off" in html
    clock("2026-11-05 09:00")
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    response = dashboard(client, carla, engagement)
    status = response.context["status"]
    assert status.current_phase.code == "avaliar"
    assert "Initiate: closed on 5 Nov 2026" in response.content.decode()
    # Days run from the start date (15 Sep) to the gate's closing.
    assert status.days_in_phase(iniciar) == 51
    gate_reopen(engagement=engagement, phase=iniciar, user=miguel, reason="Faltou a ata")
    status = dashboard(client, carla, engagement).context["status"]
    assert status.current_phase == iniciar


def test_the_matrix_shows_each_gate(clock, client, engagement, iniciar, carla, miguel):
    Profile.objects.create(user=carla, language="en")
    closed(engagement, iniciar, carla, miguel)
    client.force_login(carla)
    html = client.get(reverse("portfolio-matrix")).content.decode()
    assert "closed on 2 Nov 2026" in html


def test_the_task_page_shows_each_gate_and_its_forms_without_javascript(
    clock, client, engagement, iniciar, carla, miguel, vera
):
    Profile.objects.create(user=carla, language="en")
    finish(engagement, iniciar, carla, miguel)
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "Sign off Initiate for the customer" in page
    assert "Sign off Initiate for Microsoft" not in page  # Microsoft has its own manager
    assert "Initiate gate: waiting on both parties' sign-off</h4>" in " ".join(page.split())
    response = client.post(
        sign_url(engagement, iniciar), {"party": "customer", "comment": "Revisado"}, follow=True
    )
    page = response.content.decode()
    assert "Initiate signed off for the customer." in page
    assert "Carla signed off for the customer on " in page and "Revisado" in page
    assert "Initiate gate: waiting on Microsoft's sign-off</h4>" in " ".join(page.split())
    # Reopening is folded away under its own quieter heading, apart from signing.
    reopen = page[page.index('<details class="gate-reopen">') :]
    assert reopen.index("<summary>Reopen Initiate…</summary>") < reopen.index("/reopen/")
    client.force_login(vera)
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "Carla aprovou pelo cliente em " in page
    assert "/sign/" not in page and "/reopen/" not in page


def test_the_last_tick_of_a_phase_asks_every_manager_for_a_sign_off_with_the_evidence(
    clock, engagement, iniciar, carla, miguel, vera
):
    Profile.objects.create(user=miguel, language="en")
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    *first, last = engagement.tasks.filter(phase=iniciar).order_by("pk")
    evidence_add_file(
        task=first[0],
        user=manager[first[0].party],
        upload=SimpleUploadedFile("ata.pdf", PDF),
        caption="Ata do kick-off",
    )
    for task in first:
        task_set_done(task=task, user=manager[task.party], done=True)
    ready = Notification.objects.filter(kind=NotificationKind.GATE_READY)
    assert not ready.exists()  # one task is still open
    task_set_done(task=last, user=manager[last.party], done=True)
    assert sorted(ready.values_list("recipient__username", flat=True)) == ["carla", "miguel"]
    dispatch()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    english = by_recipient["miguel@example.com"]
    assert "every task of Initiate is done and awaits your sign-off" in english.subject
    # The file is named; its SHA-256 is for the trail and the report's annex, not a reader.
    assert "Ata do kick-off" in english.body and "ata.pdf" in english.body
    for message in mail.outbox:
        assert "SHA-256" not in message.body and hashlib.sha256(PDF).hexdigest() not in message.body
        html = message.alternatives[0][0]
        assert "SHA-256" not in html and hashlib.sha256(PDF).hexdigest() not in html
    assert last.text_en in english.body
    assert "todas as tarefas de Iniciar" in by_recipient["carla@example.com"].subject
    # Unticked and ticked again, the phase is finished anew: a new request, one per manager.
    task_set_done(task=last, user=manager[last.party], done=False)
    task_set_done(task=last, user=manager[last.party], done=True)
    assert ready.count() == 4


def test_evidence_of_a_signed_phase_cannot_change_until_it_is_reopened(
    clock, client, engagement, iniciar, carla, miguel
):
    closed(engagement, iniciar, carla, miguel)
    task = engagement.tasks.filter(phase=iniciar, party=Party.CUSTOMER).first()
    before = snapshot(engagement)
    with refused("signed off"):
        evidence_add_link(task=task, user=carla, url="https://example.com/ata")
    client.force_login(carla)
    client.post(
        reverse("evidence-add", args=[engagement.pk, task.pk]),
        {"url": "https://example.com/ata", "caption": "Ata"},
    )
    assert snapshot(engagement) == before
    gate_reopen(engagement=engagement, phase=iniciar, user=carla, reason="Falta a ata")
    evidence_add_link(task=task, user=carla, url="https://example.com/ata")
    assert task.evidence.count() == 1


def test_the_signed_state_holds_the_evidence_and_verify_audit_names_an_altered_hash(
    clock, engagement, iniciar, carla, miguel
):
    task = engagement.tasks.filter(phase=iniciar, party=Party.CUSTOMER).first()
    evidence = evidence_add_file(task=task, user=carla, upload=SimpleUploadedFile("a.pdf", PDF))
    closed(engagement, iniciar, carla, miguel)
    assert phase_state(engagement, iniciar)["evidence"] == [[task.pk, evidence.sha256]]
    assert engagement_state_problems(engagement) == []
    TaskEvidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    problems = " ".join(engagement_state_problems(engagement))
    assert "the phase's state no longer matches the one signed off" in problems
    assert f"evidence {evidence.pk}" in problems


def test_a_link_slipped_into_a_signed_phase_breaks_its_sign_offs(
    clock, engagement, iniciar, carla, miguel
):
    closed(engagement, iniciar, carla, miguel)
    task = engagement.tasks.filter(phase=iniciar).first()
    TaskEvidence.objects.create(
        task=task, kind="link", url="https://example.com/x", uploaded_by=carla
    )
    problems = engagement_state_problems(engagement)
    assert sum("no longer matches" in problem for problem in problems) == 2  # both parties'


def test_the_gate_panel_shows_pending_confirmations_and_the_withdrawn_sign_offs(
    clock, client, catalogue, carla, miguel, ada, iniciar
):
    Profile.objects.create(user=carla, language="en")
    solo = make_engagement(created_by=ada, customer="Solo")
    Membership.objects.create(engagement=solo, user=carla, party=Party.CUSTOMER, role=Role.MANAGER)
    for task in solo.tasks.filter(phase=iniciar):
        task_set_done(task=task, user=carla, done=True)  # Microsoft's on its behalf
    awaiting = solo.tasks.filter(phase=iniciar, party=Party.MICROSOFT).count()
    client.force_login(carla)
    held = f"{awaiting} task{'s were' if awaiting > 1 else ' was'} ticked on"
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    # Microsoft has no manager to confirm them yet, so the ticks do not hold its gate.
    assert held not in page
    # The phase stays unfolded while a tick awaits confirmation.
    assert 'id="phase-iniciar" class="phase-section" open' in page
    Membership.objects.create(
        engagement=solo, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert held in page
    for task in solo.tasks.filter(phase=iniciar, party=Party.MICROSOFT):
        task_confirm(task=task, user=miguel)
    acknowledge_general(solo, carla, miguel)
    gate_sign(engagement=solo, phase=iniciar, user=carla)
    gate_sign(engagement=solo, phase=iniciar, user=miguel)
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert "ticked on" not in page and "withdrawn" not in page
    clock("2026-11-03 10:00")
    gate_reopen(engagement=solo, phase=iniciar, user=miguel, reason="Faltou a ata")
    client.force_login(carla)  # a day later: the 8-hour session has ended
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert "Reopened on 3 Nov 2026, 10:00: “Faltou a ata”" in page
    assert page.count("(withdrawn)") == 2
    gate_sign(engagement=solo, phase=iniciar, user=carla)
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert page.count("(withdrawn)") == 2  # still open: the last reopening stays in view
    gate_sign(engagement=solo, phase=iniciar, user=miguel)
    page = client.get(reverse("engagement-detail", args=[solo.pk])).content.decode()
    assert "(withdrawn)" not in page


def test_a_withdrawn_task_does_not_hold_the_sign_off_request_back(
    clock, engagement, iniciar, carla, miguel
):
    manager = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    *first, withdrawn = engagement.tasks.filter(phase=iniciar).order_by("pk")
    Task.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    for task in first:
        task_set_done(task=task, user=manager[task.party], done=True)
    assert Notification.objects.filter(kind=NotificationKind.GATE_READY).count() == 2
