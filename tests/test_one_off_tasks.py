"""One-off tasks: a manager adds a task the catalogue does not hold; it is audited, counted like
any task, and catalogue applies and scope changes leave it alone."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.activity.text import event_change_text
from engagements.audit import engagement_chain_problems
from engagements.gates.services import gate_sign
from engagements.models import ActivityEvent, Engagement, EventKind, Membership, Role, Task
from engagements.services.one_off import task_add_one_off
from engagements.status.refresh import engagement_status_check
from engagements.sync.services import SCOPE_FIELDS, catalogue_apply, scope_apply
from engagements.verify.checks import engagement_state_problems
from fasttrack import bounds
from notifications.models import Notification, NotificationKind
from responsibilities.models import Party, Phase, Responsibility
from responsibilities.publishing import catalogue_publish

from .factories import acknowledge_general, make_user, tick_with_evidence

TEXT = "Validar o acesso condicional com a equipe de segurança"


@pytest.fixture
def avaliar(db):
    return Phase.objects.get(code="avaliar")


def add(engagement, user, phase, **given):
    fields = {"party": Party.CUSTOMER, "text": TEXT, "language": "pt-br"} | given
    return task_add_one_off(engagement=engagement, user=user, phase=phase, **fields)


def rows(engagement):
    """What a refused addition must leave as it was."""
    return (
        list(Task.objects.filter(engagement=engagement).values().order_by("pk")),
        ActivityEvent.objects.filter(engagement=engagement).count(),
        Engagement.objects.filter(pk=engagement.pk).values().get(),
    )


def trail_is_whole(engagement):
    engagement = Engagement.objects.get(pk=engagement.pk)
    assert engagement_chain_problems(engagement) == []
    assert engagement_state_problems(engagement) == []
    assert engagement_status_check(repair=False) == {}
    call_command("engagement_status", "--check")  # exits 1 on any difference


def test_a_manager_adds_a_task_that_counts_like_any_other(engagement, carla, vera, avaliar):
    before = Engagement.objects.get(pk=engagement.pk).status_customer_total
    due = timezone.localdate() + datetime.timedelta(days=10)
    task = add(
        engagement,
        carla,
        avaliar,
        due_date=due,
        owner=vera,
        evidence_required=True,
        evidence_hint="Ata da reunião",
    )
    assert task.is_one_off and task.responsibility_id is None
    assert (task.text_pt, task.text_en, task.typed_language) == (TEXT, TEXT, "pt-br")
    assert (task.due_date, task.owner, task.evidence_required) == (due, vera, True)
    assert task.position == engagement.tasks.order_by("-position").first().position
    assert Engagement.objects.get(pk=engagement.pk).status_customer_total == before + 1
    event = ActivityEvent.objects.get(task=task)
    assert event.kind == EventKind.TASK_CREATED
    assert event.changes["text"] == TEXT
    assert event.changes["due_date"] == due.isoformat()
    assert event.changes["owner"]["id"] == vera.pk
    # The owner hears of it, as when a task is given to them.
    assert Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED, task=task).exists()
    trail_is_whole(engagement)
    tick_with_evidence(task, carla)
    assert Engagement.objects.get(pk=engagement.pk).status_customer_done == 1
    trail_is_whole(engagement)


def test_a_task_rewritten_behind_the_trail_is_named(engagement, carla, avaliar):
    task = add(engagement, carla, avaliar)
    Task.objects.filter(pk=task.pk).update(text_en="Something else", due_date=None)
    problems = engagement_state_problems(Engagement.objects.get(pk=engagement.pk))
    assert any("text differs" in problem for problem in problems)


def test_the_manager_taking_it_themselves_is_not_told(engagement, carla, avaliar):
    task = add(engagement, carla, avaliar, owner=carla)
    assert not Notification.objects.filter(task=task).exists()


def test_the_other_partys_manager_and_a_viewer_are_refused(engagement, miguel, vera, avaliar):
    before = rows(engagement)
    for user in (miguel, vera):
        with pytest.raises(PermissionDenied):
            add(engagement, user, avaliar)
    assert rows(engagement) == before


def test_a_manager_adds_for_a_party_without_managers_on_its_behalf(other_engagement, otto):
    task = add(other_engagement, otto, Phase.objects.get(code="iniciar"), party=Party.MICROSOFT)
    event = ActivityEvent.objects.get(task=task)
    assert (event.party, event.on_behalf_of) == (Party.CUSTOMER, Party.MICROSOFT)


def test_a_signed_phase_takes_no_new_task(engagement, carla, miguel):
    iniciar = Phase.objects.get(code="iniciar")
    for task in engagement.tasks.filter(phase=iniciar):
        tick_with_evidence(task, carla if task.party == Party.CUSTOMER else miguel)
    acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    before = rows(engagement)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        add(engagement, carla, iniciar)
    assert "Initiate has been signed off" in str(refused.value)
    assert rows(engagement) == before
    # The next phase, still open, takes one.
    add(engagement, carla, Phase.objects.get(code="avaliar"))


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"text": "x" * (bounds.TASK_TEXT_MAX_LENGTH + 1)}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "two\nlines"}, "text"),
        ({"text": "hidden\u202eorder"}, "text"),
        ({"evidence_hint": "y" * (bounds.TASK_TEXT_MAX_LENGTH + 1)}, "evidence_hint"),
        ({"language": "fr"}, "language"),
        ({"party": "vendor"}, "party"),
        ({"due_date": datetime.date(1999, 12, 31)}, "due_date"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(engagement, carla, avaliar, given, field):
    before = rows(engagement)
    with pytest.raises(ValidationError) as refused:
        add(engagement, carla, avaliar, **given)
    assert field in refused.value.error_dict
    assert rows(engagement) == before


def test_the_longest_text_and_hint_are_taken(engagement, carla, avaliar):
    longest = "x" * bounds.TASK_TEXT_MAX_LENGTH
    task = add(engagement, carla, avaliar, text=longest, evidence_hint=longest)
    assert task.text_pt == longest


def test_no_phase_is_refused(engagement, carla):
    with pytest.raises(ValidationError) as refused:
        add(engagement, carla, None)
    assert "phase" in refused.value.error_dict


def test_a_due_date_before_the_purchase_is_refused_and_on_it_taken(engagement, carla, avaliar):
    purchase = engagement.purchase_date
    with pytest.raises(ValidationError) as refused:
        add(engagement, carla, avaliar, due_date=purchase - datetime.timedelta(days=1))
    assert "due_date" in refused.value.error_dict
    assert add(engagement, carla, avaliar, due_date=purchase).due_date == purchase


def test_an_owner_from_the_other_party_is_refused(engagement, carla, miguel, avaliar):
    before = rows(engagement)
    with pytest.raises(ValidationError) as refused:
        add(engagement, carla, avaliar, owner=miguel)
    assert "owner" in refused.value.error_dict
    assert rows(engagement) == before


def test_catalogue_applies_and_scope_changes_leave_it_alone(engagement, carla, ada, avaliar):
    task = add(engagement, carla, avaliar, text="Revisar o plano de migração")
    kept = Task.objects.filter(pk=task.pk).values().get()
    # A new item worded exactly as the one-off task, and the task's neighbour retired.
    Responsibility.objects.create(
        key="customer-avaliar-07",
        party=Party.CUSTOMER,
        phase=avaliar,
        position=26,
        text_pt="Revisar o plano de migração",
        text_en="Review the migration plan.",
    )
    Responsibility.objects.filter(key="customer-avaliar-06").update(is_active=False)
    catalogue_apply(
        engagement=engagement, version=catalogue_publish(note="v2", actor=ada), user=carla
    )
    scope = {name: getattr(engagement, name) for name in SCOPE_FIELDS}
    for mam in (True, False):
        scope_apply(engagement=engagement, scope=scope | {"mam": mam}, user=carla)
    after = Task.objects.filter(pk=task.pk).values().get()
    assert {k: v for k, v in after.items() if k != "position"} == {
        k: v for k, v in kept.items() if k != "position"
    }
    assert ActivityEvent.objects.filter(task=task).count() == 1
    assert engagement.tasks.filter(text_pt="Revisar o plano de migração").count() == 2
    trail_is_whole(engagement)


def test_the_trail_tells_it_in_each_language(engagement, carla, vera, avaliar):
    due = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    task = add(engagement, carla, avaliar, due_date=due, owner=vera, evidence_required=True)
    event = ActivityEvent.objects.get(task=task)
    with translation.override("en"):
        told = event_change_text(event)
        assert "Assess, for Customer" in told and "needs evidence" in told
        assert due.isoformat() not in told
        assert str(event.get_kind_display()) == "added a one-off task"
    with translation.override("pt-br"):
        told = event_change_text(event)
        assert "Avaliar" in told and "precisa de evidência" in told
        assert f"{due.day:02d}/{due.month:02d}/{due.year}" in told
        assert str(event.get_kind_display()) == "adicionou uma tarefa avulsa"


# The page.


def add_url(engagement):
    return reverse("task-add", args=[engagement.pk])


def form_data(**given):
    return {
        "party": Party.CUSTOMER,
        "phase": Phase.objects.get(code="avaliar").pk,
        "text": TEXT,
        "language": "pt-br",
        "due_date": "",
        "owner": "",
        "evidence_hint": "",
    } | given


def test_the_page_adds_the_task(client, engagement, carla, vera):
    client.force_login(carla)
    response = client.post(add_url(engagement), form_data(owner=vera.pk, evidence_required="on"))
    task = engagement.tasks.get(responsibility=None)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#task-{task.pk}")
    assert (task.owner, task.evidence_required) == (vera, True)
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    # Read in the portal's default language, Portuguese.
    assert f'lang="pt-br">{TEXT}' in page and "adicionada manualmente" in page


def test_the_form_offers_only_the_parties_and_people_the_manager_answers_for(
    client, engagement, carla, miguel, vera
):
    client.force_login(carla)
    form = client.get(add_url(engagement)).context["form"]
    assert [code for code, _label in form.fields["party"].choices] == [Party.CUSTOMER]
    offered = {pk for _group, people in form.fields["owner"].choices[1:] for pk, _name in people}
    assert offered == {carla.pk, vera.pk}
    assert client.post(add_url(engagement), form_data(party=Party.MICROSOFT)).status_code == 403
    response = client.post(add_url(engagement), form_data(party="vendor"))
    assert response.status_code == 200 and response.context["form"].errors["party"]
    response = client.post(add_url(engagement), form_data(owner=miguel.pk))
    assert response.context["form"].errors["owner"]
    assert not engagement.tasks.filter(responsibility=None).exists()


@pytest.mark.parametrize(
    "given",
    [
        {"text": "x" * (bounds.TASK_TEXT_MAX_LENGTH + 1)},
        {"text": ""},
        {"text": "a\x00b"},
        {"due_date": "2026-02-30"},
        {"evidence_hint": "y" * (bounds.TASK_TEXT_MAX_LENGTH + 1)},
        {"language": "de"},
    ],
)
def test_the_form_refuses_bad_input(client, engagement, carla, given):
    client.force_login(carla)
    response = client.post(add_url(engagement), form_data(**given))
    assert response.status_code == 200 and response.context["form"].errors
    assert not engagement.tasks.filter(responsibility=None).exists()


def test_the_form_says_a_signed_phase_is_closed(client, engagement, carla, miguel):
    iniciar = Phase.objects.get(code="iniciar")
    for task in engagement.tasks.filter(phase=iniciar):
        tick_with_evidence(task, carla if task.party == Party.CUSTOMER else miguel)
    acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    client.force_login(carla)
    response = client.post(add_url(engagement), form_data(phase=iniciar.pk))
    assert "Iniciar foi aprovada" in str(response.context["form"].errors["phase"])
    response = client.post(
        add_url(engagement), form_data(phase=iniciar.pk), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Initiate has been signed off" in str(response.context["form"].errors["phase"])


def test_viewers_staff_and_outsiders_are_refused(client, engagement, vera, ada, otto):
    for user, status in ((vera, 403), (ada, 403), (otto, 404)):
        client.force_login(user)
        assert client.get(add_url(engagement)).status_code == status
        assert client.post(add_url(engagement), form_data()).status_code == status
    assert not engagement.tasks.filter(responsibility=None).exists()
    client.force_login(vera)
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert add_url(engagement) not in page


def test_the_page_reads_in_portuguese(client, engagement, carla):
    Profile.objects.create(user=carla, language="pt-br")
    client.force_login(carla)
    page = client.get(add_url(engagement)).content.decode()
    assert "Adicionar uma tarefa" in page and "Escrita em" in page
    response = client.post(add_url(engagement), form_data(text=""))
    assert "Diga o que deve ser feito." in response.content.decode()


def test_english_typed_text_reads_the_same_to_a_portuguese_reader(engagement, carla, avaliar):
    task = add(engagement, carla, avaliar, text="Check the VPN", language="en")
    with translation.override("pt-br"):
        assert task.text == "Check the VPN"
    other = make_user("outsider")
    with pytest.raises(PermissionDenied):
        add(engagement, other, avaliar)


def test_the_form_costs_the_same_however_many_members(
    client, engagement, carla, django_assert_num_queries
):
    client.force_login(carla)
    client.get(add_url(engagement))  # the session and the phases' translations warm up
    with django_assert_num_queries(7) as first:
        assert client.get(add_url(engagement)).status_code == 200
    for number in range(20):
        Membership.objects.create(
            engagement=engagement,
            user=make_user(f"colega{number}"),
            party=Party.CUSTOMER,
            role=Role.VIEWER,
        )
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(add_url(engagement)).content.decode()
    assert "colega19" in page.lower()
