"""Builders for test data; the personas in conftest.py are made with these."""

import datetime

from django.contrib.auth import get_user_model

from engagements.models import Engagement, Task
from engagements.services.checkpoints import checkpoint_schedule, checkpoint_update
from engagements.services.engagements import engagement_create
from responsibilities.models import Party, Phase

PASSWORD = "secret-pass"
SAO_PAULO = datetime.timezone(datetime.timedelta(hours=-3))  # no daylight saving since 2019


def at(text, zone=SAO_PAULO):
    """A 'YYYY-MM-DD HH:MM' moment, in São Paulo unless another zone is given."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=zone)


def make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        email=f"{username}@example.com",
        **extra,
    )


def make_engagement(*, created_by, customer="Fabrikam", **scope):
    scope = scope or {"aad_premium": True, "intune": True, "azure_rms": True, "mdm": True}
    return engagement_create(
        engagement=Engagement(
            customer=customer,
            licence_count=500,
            purchase_date=datetime.date(2026, 9, 1),
            start_date=datetime.date(2026, 9, 15),
            **scope,
        ),
        created_by=created_by,
    )


def add_tasks(engagement, count, *, done_by=None):
    """Bulk tasks for query-count tests: `count` top-level tasks spread over the phases."""
    phases = [None, *Phase.objects.all()]
    Task.objects.bulk_create(
        Task(
            engagement=engagement,
            phase=phases[index % len(phases)],
            party=Party.values[index % 2],
            position=1000 + index,
            text_pt=f"Tarefa {index}",
            text_en=f"Task {index}",
            done=index % 3 == 0,
            done_by=done_by if index % 3 == 0 else None,
        )
        for index in range(count)
    )


def make_checkpoint(
    engagement, user, *, starts_at, attendees, title="Chamada", phase="avaliar", **extra
):
    """A one-hour checkpoint call, scheduled through the service (so with its reminders)."""
    return checkpoint_schedule(
        engagement=engagement,
        user=user,
        phase=Phase.objects.get(code=phase),
        kind="checkpoint_call",
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        attendees=attendees,
        **extra,
    )


def change_checkpoint(checkpoint, user, **changes):
    """Call the update service with the checkpoint's current fields, but for `changes`."""
    fields = {
        "phase": checkpoint.phase,
        "kind": checkpoint.kind,
        "title": checkpoint.title,
        "starts_at": checkpoint.starts_at,
        "ends_at": checkpoint.ends_at,
        "location": checkpoint.location,
        "agenda": checkpoint.agenda,
        "attendees": list(checkpoint.attendees.all()),
    }
    return checkpoint_update(checkpoint=checkpoint, user=user, **{**fields, **changes})
