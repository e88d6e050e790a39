"""With the broker down the portal keeps working: no request publishes to it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import Checkpoint
from fasttrack.celery import app
from notifications.models import Notification
from responsibilities.models import Phase


@pytest.fixture
def dead_broker():
    """Point Celery at a port nothing listens on, and stop running tasks inline."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved


def test_pages_ticks_and_checkpoints_work_while_the_broker_is_down(
    dead_broker, client, carla, engagement
):
    client.force_login(carla)
    task = engagement.tasks.exclude(phase=None).first()
    assert client.get(reverse("engagement-detail", args=[engagement.pk])).status_code == 200
    client.post(reverse("task-set-done", args=[engagement.pk, task.pk]), {"done": "1"})
    task.refresh_from_db()
    assert task.done
    start = timezone.localtime() + datetime.timedelta(days=2)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        {
            "title": "Reunião",
            "kind": "checkpoint_call",
            "phase": Phase.objects.get(code="corrigir").pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "attendees": [carla.pk],
        },
    )
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get()
    client.post(reverse("checkpoint-cancel", args=[engagement.pk, checkpoint.pk]))
    # The cancellation notice waits in the database for beat, not in the dead broker.
    assert Notification.objects.filter(kind="checkpoint_cancelled", status="pending").exists()
