"""My work's selector: what waits on one person across their engagements, at its edges, and
at the same number of queries for one engagement or fifty."""

import datetime

import pytest
from django.utils import timezone

from engagements.gates.evidence import comment_add
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.models import (
    CommentMention,
    Engagement,
    GeneralAcknowledgement,
    Membership,
    Role,
    Task,
    TaskComment,
)
from engagements.mywork.selectors import MENTIONS_SHOWN, my_work, week_end
from engagements.services.members import member_remove
from engagements.services.tasks import task_set_due_date, task_set_owner
from engagements.status.refresh import engagement_status_check
from responsibilities.models import Party, Phase

from .factories import make_engagement, tick

CLOCK_START = "2026-11-04 12:00"  # a Wednesday: its week ends on Sunday 8 November
WEDNESDAY = datetime.date(2026, 11, 4)


def customer_tasks(engagement, phase="avaliar", count=6):
    return list(
        engagement.tasks.filter(party=Party.CUSTOMER, phase__code=phase).order_by("position")[
            :count
        ]
    )


def own(task, owner, manager, due=None):
    task_set_owner(task=task, user=manager, owner=owner)
    if due is not None:
        task_set_due_date(task=task, user=manager, due_date=due)
    return task


def finish(engagement, phase, managers):
    """Every task of the phase done, each by a manager of its party (or the one given)."""
    for task in engagement.tasks.in_force().filter(phase__code=phase):
        tick(task, managers.get(task.party) or managers["any"])


def today():
    return timezone.localdate()


def test_a_week_ends_on_sunday():
    assert week_end(WEDNESDAY) == datetime.date(2026, 11, 8)
    assert week_end(datetime.date(2026, 11, 8)) == datetime.date(2026, 11, 8)
    assert week_end(datetime.date(2026, 11, 9)) == datetime.date(2026, 11, 15)


def test_owned_tasks_fall_into_overdue_this_week_and_later_at_the_edges(clock, engagement, carla):
    days = datetime.timedelta
    yesterday, tomorrow = WEDNESDAY - days(1), WEDNESDAY + days(1)
    sunday, monday = datetime.date(2026, 11, 8), datetime.date(2026, 11, 9)
    late, due_today, due_tomorrow, due_sunday, due_monday, undated = [
        own(task, carla, carla, due)
        for task, due in zip(
            customer_tasks(engagement),
            [yesterday, WEDNESDAY, tomorrow, sunday, monday, None],
            strict=True,
        )
    ]
    work = my_work(carla, today())
    assert work.overdue == [late]  # overdue by one day; due today is not overdue
    assert work.this_week == [due_today, due_tomorrow, due_sunday]
    assert work.later == [due_monday, undated]  # the day after the week ends; no date last
    assert work.overdue[0].url.endswith(f"/engagements/{engagement.pk}/#task-{late.pk}")


def test_on_a_sunday_tomorrow_is_already_later(clock, engagement, carla):
    clock("2026-11-08 12:00")
    sunday = datetime.date(2026, 11, 8)
    due_today, due_tomorrow = [
        own(task, carla, carla, due)
        for task, due in zip(
            customer_tasks(engagement, count=2),
            [sunday, sunday + datetime.timedelta(days=1)],
            strict=True,
        )
    ]
    work = my_work(carla, today())
    assert (work.this_week, work.later) == ([due_today], [due_tomorrow])


def test_done_tasks_and_tasks_owned_by_others_are_not_mine(clock, engagement, carla, miguel, vera):
    mine, done, veras = customer_tasks(engagement, count=3)
    own(mine, carla, carla, WEDNESDAY)
    own(done, carla, carla, WEDNESDAY)
    tick(done, carla)
    own(veras, vera, carla, WEDNESDAY)
    microsoft = engagement.tasks.filter(party=Party.MICROSOFT, phase__code="avaliar").first()
    own(microsoft, miguel, miguel, WEDNESDAY - datetime.timedelta(days=3))
    assert my_work(carla, today()).owned == [mine]
    # The other party's tasks, overdue and owned by its manager, are not the customer's.
    assert my_work(miguel, today()).owned == [microsoft]
    assert my_work(vera, today()).owned == [veras]


def test_a_finished_phase_asks_each_party_s_manager_to_acknowledge_then_to_sign(
    clock, engagement, carla, miguel, vera
):
    finish(engagement, "iniciar", {Party.CUSTOMER: carla, Party.MICROSOFT: miguel})
    work = my_work(carla, today())
    # The first phase waits for the acknowledgement first: no sign-off offered yet.
    assert work.sign_offs == []
    assert [(a.party, a.on_behalf) for a in work.acknowledgements] == [(Party.CUSTOMER, False)]
    assert work.acknowledgements[0].url.endswith("#gate-panel-iniciar")
    general_acknowledge(engagement=engagement, user=carla)
    work = my_work(carla, today())
    assert work.acknowledgements == []
    assert [(s.phase.code, s.party) for s in work.sign_offs] == [("iniciar", Party.CUSTOMER)]
    # Microsoft has not acknowledged: its manager is asked to, not to sign.
    assert [a.party for a in my_work(miguel, today()).acknowledgements] == [Party.MICROSOFT]
    assert my_work(miguel, today()).sign_offs == []
    # A viewer may not sign nor acknowledge: nothing of the kind for Vera.
    vera_work = my_work(vera, today())
    assert (vera_work.sign_offs, vera_work.acknowledgements) == ([], [])


def test_a_party_s_sign_off_already_given_is_no_longer_asked(clock, engagement, carla, miguel):
    finish(engagement, "iniciar", {Party.CUSTOMER: carla, Party.MICROSOFT: miguel})
    general_acknowledge(engagement=engagement, user=carla)
    general_acknowledge(engagement=engagement, user=miguel)
    iniciar = Phase.objects.get(code="iniciar")
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    assert my_work(carla, today()).sign_offs == []
    assert [s.party for s in my_work(miguel, today()).sign_offs] == [Party.MICROSOFT]
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    assert my_work(miguel, today()).sign_offs == []


def test_an_open_task_holds_the_sign_off_back(clock, engagement, carla, miguel):
    general_acknowledge(engagement=engagement, user=carla)
    tasks = list(engagement.tasks.filter(phase__code="iniciar"))
    for task in tasks[1:]:
        tick(task, carla if task.party == Party.CUSTOMER else miguel)
    assert my_work(carla, today()).sign_offs == []
    tick(tasks[0], carla if tasks[0].party == Party.CUSTOMER else miguel)
    assert [s.party for s in my_work(carla, today()).sign_offs] == [Party.CUSTOMER]


@pytest.fixture
def customer_only(catalogue, carla, ada):
    """An engagement whose only manager is Carla's: she acts for Microsoft too, on its behalf."""
    engagement = make_engagement(created_by=ada, customer="Contoso")
    Membership.objects.create(
        engagement=engagement, user=carla, party=Party.CUSTOMER, role=Role.MANAGER
    )
    return engagement


def test_a_party_without_a_manager_is_signed_for_on_its_behalf(clock, customer_only, carla):
    finish(customer_only, "iniciar", {"any": carla})
    general_acknowledge(engagement=customer_only, user=carla)
    work = my_work(carla, today())
    assert [(a.party, a.on_behalf) for a in work.acknowledgements] == [(Party.MICROSOFT, True)]
    general_acknowledge(engagement=customer_only, user=carla, party=Party.MICROSOFT)
    work = my_work(carla, today())
    assert [(s.party, s.on_behalf) for s in work.sign_offs] == [
        (Party.CUSTOMER, False),
        (Party.MICROSOFT, True),
    ]


def test_ticks_made_on_a_party_s_behalf_wait_for_its_own_manager(
    clock, customer_only, carla, miguel
):
    ticked = customer_only.tasks.filter(party=Party.MICROSOFT, phase__code="iniciar").first()
    tick(ticked, carla)
    assert Task.objects.get(pk=ticked.pk).awaiting_confirmation
    # No one of Microsoft's may confirm yet, and Carla may not confirm for it.
    assert my_work(carla, today()).confirmations == []
    Membership.objects.create(
        engagement=customer_only, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    assert my_work(miguel, today()).confirmations == [ticked]
    assert my_work(carla, today()).confirmations == []
    assert my_work(miguel, today()).confirmations[0].url.endswith(f"#task-{ticked.pk}")


def test_a_viewer_of_the_party_is_not_asked_to_confirm(clock, customer_only, carla, vera):
    tick(customer_only.tasks.filter(party=Party.MICROSOFT, phase__code="iniciar").first(), carla)
    Membership.objects.create(
        engagement=customer_only, user=vera, party=Party.MICROSOFT, role=Role.VIEWER
    )
    assert my_work(vera, today()).confirmations == []


def test_someone_removed_from_an_engagement_sees_nothing_of_it(
    clock, engagement, other_engagement, carla, miguel, otto
):
    finish(engagement, "iniciar", {Party.CUSTOMER: carla, Party.MICROSOFT: miguel})
    general_acknowledge(engagement=engagement, user=carla)
    task = own(customer_tasks(engagement, count=1)[0], carla, carla, WEDNESDAY)
    Membership.objects.create(
        engagement=other_engagement, user=carla, party=Party.CUSTOMER, role=Role.VIEWER
    )
    assert my_work(carla, today()).count == 2  # the task and the sign-off
    member_remove(membership=engagement.memberships.get(user=carla), removed_by=miguel)
    # Even a task still naming her as owner (written before the rule) stays out.
    Task.objects.filter(pk=task.pk).update(owner=carla)
    assert my_work(carla, today()).count == 0


def test_a_mention_stays_on_my_work_for_a_week_from_the_start_of_its_day(
    clock, engagement, carla, miguel
):
    task = customer_tasks(engagement, count=1)[0]
    clock("2026-11-04 23:30")
    comment = comment_add(task=task, user=carla, body="@Miguel Microsoft, pode validar?")
    clock("2026-11-11 23:59")  # the seventh day after
    assert my_work(miguel, today()).mentions == [comment]
    work = my_work(miguel, today())
    assert work.waiting == len(work.acknowledgements)  # read, not done: no digest of its own
    assert my_work(carla, today()).mentions == []  # her own words name someone else
    clock("2026-11-12 00:00")  # the eighth
    assert my_work(miguel, today()).mentions == []


def test_a_mention_leaves_my_work_with_its_engagement(clock, engagement, carla, miguel, ada):
    task = customer_tasks(engagement, count=1)[0]
    comment_add(task=task, user=carla, body="@Miguel Microsoft, pode validar?")
    member_remove(membership=engagement.memberships.get(user=miguel), removed_by=ada)
    assert my_work(miguel, today()).mentions == []


def many_engagements(user, count):
    """`count` engagements each with something in every section for `user`, Microsoft's
    manager: an owned overdue task, a finished first phase to sign, a tick on Microsoft's
    behalf to confirm, and the customer's general responsibilities to acknowledge for it."""
    engagements = Engagement.objects.bulk_create(
        Engagement(
            customer=f"Customer {index:02}",
            licence_count=500,
            purchase_date=datetime.date(2026, 9, 1),
            start_date=datetime.date(2026, 9, 15),
            aad_premium=True,
        )
        for index in range(count)
    )
    Membership.objects.bulk_create(
        Membership(engagement=e, user=user, party=Party.MICROSOFT, role=Role.MANAGER)
        for e in engagements
    )
    phases = {phase.code: phase for phase in Phase.objects.all()}
    rows = []
    for e in engagements:
        rows += [
            Task(engagement=e, phase=phases["iniciar"], party=Party.MICROSOFT, done=True),
            Task(engagement=e, phase=None, party=Party.CUSTOMER),
            Task(engagement=e, phase=None, party=Party.MICROSOFT),
            Task(
                engagement=e,
                phase=phases["avaliar"],
                party=Party.MICROSOFT,
                owner=user,
                due_date=WEDNESDAY - datetime.timedelta(days=1),
            ),
            Task(
                engagement=e,
                phase=phases["corrigir"],
                party=Party.MICROSOFT,
                done=True,
                awaiting_confirmation=True,
            ),
        ]
    for position, task in enumerate(rows):
        task.position, task.text_pt = position, f"Tarefa {position}"
    Task.objects.bulk_create(rows)
    GeneralAcknowledgement.objects.bulk_create(
        GeneralAcknowledgement(
            engagement=e, party=Party.MICROSOFT, acknowledged_by=user, texts_hash="0" * 64
        )
        for e in engagements
    )
    comments = TaskComment.objects.bulk_create(
        TaskComment(task=task, author=user, body="@Marcos") for task in rows if task.owner_id
    )
    CommentMention.objects.bulk_create(
        CommentMention(
            comment=comment,
            user=user,
            engagement_id=comment.task.engagement_id,
            name="Marcos",
            created_at=timezone.now(),
        )
        for comment in comments
    )
    engagement_status_check(repair=True)
    return engagements


@pytest.mark.parametrize("count", [1, 50])
def test_my_work_costs_five_queries_for_one_engagement_or_fifty(
    clock, catalogue, miguel, count, django_assert_num_queries
):
    many_engagements(miguel, count)
    # memberships (with what each party has and has acknowledged), phases, owned, to confirm,
    # mentions
    with django_assert_num_queries(5):
        work = my_work(miguel, today())
    assert len(work.overdue) == len(work.confirmations) == count
    assert len(work.acknowledgements) == count  # the customer's, on its behalf
    assert len(work.mentions) == min(count, MENTIONS_SHOWN)
    # Iniciar waits for the customer's acknowledgement, not Microsoft's; Habilitar has no task
    # to wait for; Corrigir waits for the confirmation.
    assert {(s.phase.code, s.party) for s in work.sign_offs} == {
        ("iniciar", Party.MICROSOFT),
        ("habilitar", Party.CUSTOMER),
        ("habilitar", Party.MICROSOFT),
    }
    assert len(work.sign_offs) == 3 * count
