"""Overdue and due soon are decided in four places: on one task (Task.is_overdue), in the ORM
(Task.objects.overdue/due_soon, what the lists, filters, notes and digests read), in Python from
the rows (the engagement's status) and in SQL from the stored status (status_sql.py, the
portfolio). A task due on either side of each edge, open or done, gets the same answer from each,
and the answer the rule gives: overdue before today, due soon from today to DUE_SOON_DAYS ahead."""

import datetime

import pytest
from django.utils import timezone

from engagements.meetings.selectors import checkpoint_agenda
from engagements.models import DUE_SOON_DAYS, Task
from engagements.selectors.tasks import engagement_due_tasks
from engagements.services.tasks import task_set_due_date
from engagements.status.selectors import engagement_statuses
from engagements.views.filters import TaskFilter
from responsibilities.models import Party

from .factories import make_checkpoint, tick
from .test_status_sql import agree, first_task, fresh, in_sql  # noqa: F401 (fresh is a fixture)

CLOCK_START = "2026-09-16 09:00"
DAY = datetime.timedelta(days=1)
DUE_IN_DAYS = {
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
    "at the due-soon edge": DUE_SOON_DAYS,
    "a day past it": DUE_SOON_DAYS + 1,
}


@pytest.mark.parametrize("done", [False, True], ids=["open", "done"])
@pytest.mark.parametrize("days", DUE_IN_DAYS.values(), ids=DUE_IN_DAYS.keys())
def test_every_spelling_of_overdue_and_due_soon_agrees(fresh, carla, days, done):  # noqa: F811
    now, today = timezone.now(), timezone.localdate()
    task = first_task(fresh)
    task_set_due_date(task=task, user=carla, due_date=today + days * DAY)
    if done:
        tick(task, carla)
    task.refresh_from_db()
    overdue, due_soon = not done and days < 0, not done and 0 <= days <= DUE_SOON_DAYS

    assert task.is_overdue(today) is overdue
    assert Task.objects.overdue(today).filter(pk=task.pk).exists() is overdue
    assert Task.objects.due_soon(today).filter(pk=task.pk).exists() is due_soon
    listed = engagement_due_tasks(fresh, today)
    assert (listed.overdue[Party.CUSTOMER], listed.due_soon[Party.CUSTOMER]) == (
        [task] if overdue else [],
        [task] if due_soon else [],
    )
    status = engagement_statuses([fresh], now)[fresh.pk]
    assert status.overdue_by_party[Party.CUSTOMER] == overdue
    assert status.cell(task.phase_id, Party.CUSTOMER).due_soon == due_soon
    assert in_sql(fresh, now)["overdue"][Party.CUSTOMER] == overdue
    assert ("overdue" in agree(fresh, now)) is overdue


def test_the_wider_sets_are_asked_for_by_name(fresh, carla):  # noqa: F811
    """The task page keeps withdrawn tasks; nothing else sees them, nor a general
    responsibility still carrying a due date, as open: not even a checkpoint's agenda."""
    today = timezone.localdate()
    withdrawn, standing = fresh.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar")[:2]
    for task in (withdrawn, standing):
        task_set_due_date(task=task, user=carla, due_date=today - DAY)
    Task.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    # As a catalogue version moving the item to the general responsibilities leaves it.
    Task.objects.filter(pk=standing.pk).update(phase=None)
    withdrawn.refresh_from_db()
    standing.refresh_from_db()
    tasks = Task.objects.filter(engagement=fresh)

    assert not withdrawn.is_overdue(today) and not standing.is_overdue(today)
    assert (
        not tasks.overdue(today).exists()
        and not tasks.open().filter(due_date__isnull=False).exists()
    )
    assert list(tasks.overdue(today, with_withdrawn=True)) == [withdrawn]
    starts_at = timezone.now() + datetime.timedelta(days=2)
    checkpoint = make_checkpoint(fresh, carla, starts_at=starts_at, attendees=[carla])
    assert checkpoint_agenda(checkpoint, timezone.now()).overdue == []
    page = TaskFilter({"due": "overdue"}, user=carla, members=[], phases=[], today=today)
    assert list(page.tasks_of(fresh)) == [withdrawn]
