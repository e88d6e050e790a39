"""Ticking a task, its note and its due date, through the test client."""

import datetime

import pytest
from django.urls import reverse

from engagements.models import ActivityEvent, EventKind, Task


def task_url(name, task):
    return reverse(name, args=[task.engagement_id, task.pk])


@pytest.fixture
def task(engagement):
    return engagement.tasks.get(responsibility__key="customer-avaliar-01")


def task_events(task, kind):
    return ActivityEvent.objects.filter(task=task, kind=kind)


def test_manager_sets_task_done(client, carla, task):
    client.force_login(carla)
    response = client.post(task_url("task-set-done", task), {"done": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/engagements/{task.engagement_id}/#task-{task.pk}")
    task.refresh_from_db()
    assert task.done and task.done_by == carla and task.done_at is not None
    assert task_events(task, EventKind.TASK_DONE).get().actor == carla


def test_a_double_submit_does_not_flip_it_back(client, carla, task):
    client.force_login(carla)
    client.post(task_url("task-set-done", task), {"done": "1"})
    client.post(task_url("task-set-done", task), {"done": "1"})
    task.refresh_from_db()
    assert task.done
    assert task_events(task, EventKind.TASK_DONE).count() == 1


def test_manager_reopens_a_task_with_a_reason(client, carla, task):
    client.force_login(carla)
    client.post(task_url("task-set-done", task), {"done": "1"})
    client.post(task_url("task-set-done", task), {"done": "0", "reason": "Faltou a ata"})
    task.refresh_from_db()
    assert not task.done and task.done_by is None and task.done_at is None
    assert task_events(task, EventKind.TASK_REOPENED).get().reason == "Faltou a ata"


def test_htmx_tick_returns_the_row_and_the_new_progress(client, carla, task):
    client.force_login(carla)
    response = client.post(
        task_url("task-set-done", task), {"done": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="task-{task.pk}"')
    assert 'aria-pressed="true"' in html
    assert 'id="progress"' in html and 'hx-swap-oob="true"' in html
    progress = response.context["progress"]
    assert (progress.overall.done, progress.overall.total) == (
        1,
        task.engagement.tasks.exclude(phase=None).count(),
    )
    avaliar = next(row for row in progress.phases if row.phase == task.phase)
    assert avaliar.by_party["customer"].done == 1
    assert avaliar.by_party["microsoft"].done == 0
    assert f'<progress value="1" max="{avaliar.by_party["customer"].total}">' in html


def test_a_missing_state_is_a_clear_error_and_changes_nothing(client, carla, task):
    client.force_login(carla)
    response = client.post(task_url("task-set-done", task), {}, follow=True)
    assert "concluída (1) ou não concluída (0)" in response.content.decode()
    task.refresh_from_db()
    assert not task.done
    assert not task_events(task, EventKind.TASK_DONE).exists()


def test_manager_adds_a_note(client, carla, task):
    client.force_login(carla)
    client.post(task_url("task-set-note", task), {"note": "  Falar com o time de rede  "})
    task.refresh_from_db()
    assert task.note == "Falar com o time de rede"
    event = task_events(task, EventKind.NOTE_CHANGED).get()
    assert event.changes == {"old": "", "new": "Falar com o time de rede"}


def test_a_note_too_long_is_refused(client, carla, task):
    client.force_login(carla)
    response = client.post(
        task_url("task-set-note", task), {"note": "x" * 2001}, headers={"HX-Request": "true"}
    )
    assert 'role="alert"' in response.content.decode()
    task.refresh_from_db()
    assert task.note == ""


def test_manager_sets_and_clears_a_due_date(client, carla, task):
    client.force_login(carla)
    client.post(task_url("task-set-due-date", task), {"due_date": "2026-12-15"})
    task.refresh_from_db()
    assert task.due_date == datetime.date(2026, 12, 15)
    client.post(task_url("task-set-due-date", task), {"due_date": ""})
    task.refresh_from_db()
    assert task.due_date is None
    changes = task_events(task, EventKind.DUE_DATE_CHANGED).order_by("pk")
    assert [e.changes for e in changes] == [
        {"old": None, "new": "2026-12-15"},
        {"old": "2026-12-15", "new": None},
    ]


@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-02-30", "Informe uma data válida no formato AAAA-MM-DD"),
        ("tomorrow", "Informe uma data válida no formato AAAA-MM-DD"),
        ("2020-01-01", "anterior à data de compra das licenças (01/09/2026)"),
    ],
)
def test_a_bad_due_date_is_a_clear_error_and_changes_nothing(client, carla, task, value, message):
    client.force_login(carla)
    client.post(task_url("task-set-due-date", task), {"due_date": "2026-12-15"})
    response = client.post(task_url("task-set-due-date", task), {"due_date": value}, follow=True)
    assert message in [str(m) for m in response.context["messages"]][-1]
    task.refresh_from_db()
    assert task.due_date == datetime.date(2026, 12, 15)
    assert task_events(task, EventKind.DUE_DATE_CHANGED).count() == 1


def test_an_unknown_task_is_a_clear_404(client, carla, engagement):
    client.force_login(carla)
    response = client.post(reverse("task-set-done", args=[engagement.pk, 999999]), {"done": "1"})
    assert response.status_code == 404
    assert "999999" in response.content.decode()


def test_a_task_of_another_engagement_is_404(client, carla, engagement, other_engagement):
    client.force_login(carla)
    foreign = other_engagement.tasks.exclude(phase=None).first()
    response = client.post(
        reverse("task-set-done", args=[engagement.pk, foreign.pk]), {"done": "1"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.done


@pytest.mark.parametrize("name", ["task-set-done", "task-set-note", "task-set-due-date"])
def test_viewer_is_refused(client, vera, task, name):
    client.force_login(vera)
    data = {"done": "1", "note": "x", "due_date": "2026-12-01"}
    response = client.post(task_url(name, task), data)
    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.done, task.note, task.due_date) == (False, "", None)
    assert not ActivityEvent.objects.filter(task=task).exists()


@pytest.mark.parametrize("name", ["task-set-done", "task-set-note", "task-set-due-date"])
def test_outsider_gets_404(client, otto, other_engagement, task, name):
    client.force_login(otto)
    response = client.post(
        task_url(name, task), {"done": "1", "note": "x", "due_date": "2026-12-01"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert (task.done, task.note, task.due_date) == (False, "", None)


def test_staff_may_read_but_not_tick(client, ada, task):
    client.force_login(ada)
    assert client.get(reverse("engagement-detail", args=[task.engagement_id])).status_code == 200
    assert client.post(task_url("task-set-done", task), {"done": "1"}).status_code == 403
    assert not Task.objects.get(pk=task.pk).done


def test_anonymous_is_sent_to_login(client, task):
    response = client.post(task_url("task-set-done", task), {"done": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Task.objects.get(pk=task.pk).done


def test_ticking_needs_a_post(client, carla, task):
    client.force_login(carla)
    assert client.get(task_url("task-set-done", task), {"done": "1"}).status_code == 405
    assert not Task.objects.get(pk=task.pk).done
