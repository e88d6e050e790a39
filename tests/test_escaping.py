"""User text is shown escaped on every page and in every email's HTML part.

Every free-text field gets `<script>alert(1)</script>` behind a tag naming the field; each page
(in both languages, so both catalogue texts show) and the HTML part of every kind of email must
never contain the raw script, and every field must be seen escaped somewhere, so a `|safe` or
`{% autoescape off %}` on any user-text output fails this test.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.gates.evidence import comment_add
from engagements.gates.services import gate_reopen, gate_sign
from engagements.journal import event_record
from engagements.meetings.services import checkpoint_cancel
from engagements.models import CheckpointReport, Engagement, EventKind, Membership, Task
from engagements.services.share_links import share_link_create, share_link_revoke
from engagements.services.tasks import task_set_done, task_set_due_date, task_set_note
from notifications.emails import notification_message
from notifications.models import Notification, NotificationKind
from responsibilities.models import Party, Phase

from .factories import (
    acknowledge_general,
    catalogue_ensure,
    make_checkpoint,
    make_persona,
    make_team_engagement,
)
from .shared import shared_rows, stopped_clock

CLOCK_START = "2026-09-16 09:00"
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def evil(tag):
    return f"{tag} {SCRIPT}"


def escaped(tag):
    return f"{tag} {ESCAPED}"


FIELDS = {
    "customer": "Customer",
    "task note": "Note",
    "task text (pt)": "TextPT",
    "task text (en)": "TextEN",
    "catalogue note (pt)": "CatNotePT",
    "catalogue note (en)": "CatNoteEN",
    "checkpoint title": "Title",
    "location": "Location",
    "agenda": "Agenda",
    "share-link label": "Label",
    "first name": "First",
    "last name": "Last",
    "reason": "Reason",
}


def build_hostile():
    """conftest.py's `engagement` at CLOCK_START, with hostile text in every free-text field
    and something of each kind: made once for the tests that ask in a row (about two seconds)."""
    catalogue_ensure()
    carla, miguel, vera, ada = map(make_persona, ["carla", "miguel", "vera", "ada"])
    with stopped_clock(CLOCK_START):
        engagement = make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)
        return made_hostile(engagement, carla, miguel)


hostile_rows = shared_rows("hostile_rows", build_hostile)


@pytest.fixture
def hostile(clock, hostile_rows):
    return hostile_rows


def made_hostile(engagement, carla, miguel):
    Engagement.objects.filter(pk=engagement.pk).update(customer=evil("Customer"))
    engagement.refresh_from_db()
    Task.objects.filter(engagement=engagement).update(
        text_pt=evil("TextPT"),
        text_en=evil("TextEN"),
        catalogue_note_pt=evil("CatNotePT"),
        catalogue_note_en=evil("CatNoteEN"),
    )
    miguel.first_name, miguel.last_name = evil("First"), evil("Last")
    miguel.save()
    Profile.objects.create(user=carla, language="pt-br")
    Profile.objects.create(user=miguel, language="en")
    customer_task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    microsoft_task = engagement.tasks.filter(party=Party.MICROSOFT, phase__code="avaliar").first()
    task_set_note(task=customer_task, user=miguel, note=evil("Note"))
    task_set_done(task=customer_task, user=carla, done=True)
    task_set_done(task=customer_task, user=carla, done=False, reason=evil("Reason"))
    task_set_due_date(task=customer_task, user=miguel, due_date=datetime.date(2026, 9, 15))
    task_set_due_date(task=microsoft_task, user=miguel, due_date=datetime.date(2026, 9, 17))
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title=evil("Title"),
        starts_at=timezone.now() + datetime.timedelta(days=2),
        location=evil("Location"),
        agenda=evil("Agenda"),
        attendees=[carla, miguel],
    )
    cancelled = make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title=evil("Title"),
        starts_at=timezone.now() + datetime.timedelta(days=4),
        location=evil("Location"),
        attendees=[carla, miguel],
    )
    checkpoint_cancel(checkpoint=cancelled, user=carla)
    expires_on = timezone.localdate() + datetime.timedelta(days=10)
    _link, token = share_link_create(
        engagement=engagement, user=carla, label=evil("Label"), expires_on=expires_on
    )
    revoked, revoked_token = share_link_create(
        engagement=engagement, user=carla, label=evil("Label"), expires_on=expires_on
    )
    share_link_revoke(link=revoked, user=carla)
    iniciar = Phase.objects.get(code="iniciar")
    for task in engagement.tasks.filter(phase=iniciar):
        task_set_done(task=task, user=carla if task.party == Party.CUSTOMER else miguel, done=True)
    acknowledge_general(engagement, carla)
    gate_sign(engagement=engagement, phase=iniciar, user=carla, comment=evil("SignComment"))
    gate_reopen(engagement=engagement, phase=iniciar, user=miguel, reason=evil("ReopenReason"))
    comment_add(task=customer_task, user=miguel, body=f"@Vera {evil('Comment')}")
    return {
        "engagement": engagement,
        "task": customer_task,
        "microsoft_task": microsoft_task,
        "checkpoint": checkpoint,
        "cancelled": cancelled,
        "token": token,
        "revoked_token": revoked_token,
        "signed": engagement.events.get(kind="gate_signed"),
        "finished": engagement.events.filter(kind="task_done").latest("sequence"),
        "reopened": engagement.events.get(kind="gate_reopened"),
        "commented": engagement.events.get(kind="comment_added"),
    }


def pages(h):
    e = h["engagement"].pk
    checkpoint = h["checkpoint"].pk
    return {
        "engagement list": reverse("engagement-list"),
        "task page": reverse("engagement-detail", args=[e]),
        "dashboard": reverse("engagement-dashboard", args=[e]),
        "audit trail": reverse("engagement-audit", args=[e]),
        "checkpoint detail": reverse("checkpoint-detail", args=[e, checkpoint]),
        "cancelled checkpoint": reverse("checkpoint-detail", args=[e, h["cancelled"].pk]),
        "checkpoint form (edit)": reverse("checkpoint-edit", args=[e, checkpoint]),
        "checkpoint form (new)": reverse("checkpoint-new", args=[e]),
        "members": reverse("engagement-members", args=[e]),
        "share links": reverse("engagement-share-links", args=[e]),
        "portfolio table": reverse("portfolio"),
        "portfolio matrix": reverse("portfolio-matrix"),
        # The summary shows only figures, and the search it was filtered by.
        "portfolio summary": reverse("portfolio-summary") + "?q=" + SCRIPT,
        "portfolio searched for a script": reverse("portfolio") + "?q=" + SCRIPT,
    }


def check(html, where, seen, *, shows_user_text=True):
    assert SCRIPT not in html, f"{where}: raw script"
    if shows_user_text:
        assert ESCAPED in html, f"{where}: no escaped user text at all"
    seen.update(tag for tag in FIELDS.values() if escaped(tag) in html)


def test_every_page_shows_user_text_escaped(hostile, carla, miguel):
    seen = set()
    for user in (carla, miguel):  # Portuguese, then English
        client = Client()
        client.force_login(user)
        for name, url in pages(hostile).items():
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            check(response.content.decode(), f"{name} as {user.username}", seen)
        # The htmx answer to a tick: the row, the progress and the activity.
        e = hostile["engagement"].pk
        task = hostile["task" if user == carla else "microsoft_task"]
        done = not Task.objects.get(pk=task.pk).done
        response = client.post(
            reverse("task-set-done", args=[e, task.pk]),
            {"done": "1" if done else "0", "reason": evil("Reason")},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        check(response.content.decode(), f"htmx tick as {user.username}", seen)
    anonymous = Client()
    response = anonymous.get(reverse("shared-dashboard", args=[hostile["token"]]))
    check(response.content.decode(), "shared dashboard", seen)
    response = anonymous.get(reverse("shared-dashboard", args=[hostile["revoked_token"]]))
    assert response.status_code == 410
    check(response.content.decode(), "revoked link", seen, shows_user_text=False)
    assert seen == set(FIELDS.values()), f"never shown: {set(FIELDS.values()) - seen}"


def notifications(h, carla, miguel):
    """One notification of each kind to each of the two (unsaved: only composed, never sent)."""
    engagement, checkpoint, cancelled = h["engagement"], h["checkpoint"], h["cancelled"]
    now = timezone.now()
    report = CheckpointReport(
        checkpoint=checkpoint, language="pt-br", time_zone="UTC", size=5, sha256="0" * 64, as_of=now
    )
    report.file.save("report.pdf", ContentFile(b"%PDF-"))
    # The tenant's events as its services record them (tests/factories.py reads a tenant).
    title = {"pt": "Sincronização", "en": "Sync"}
    tenant_events = {
        "drift": event_record(
            engagement_id=engagement.pk,
            actor=None,
            task=h["task"],
            kind=EventKind.TENANT_DRIFT,
            changes={"check": "directory-sync", "observation": 1, "title": title},
        ),
        "revoked": event_record(
            engagement_id=engagement.pk,
            actor=None,
            kind=EventKind.TENANT_REVOKED,
            changes={"tenant_id": "5e7d0c1a-3b2f-4e6d-9a8c-7b6e5d4c3b2a", "cause": "AADSTS700016"},
        ),
    }
    rows = []
    for user in (carla, miguel):
        membership = Membership.objects.get(engagement=engagement, user=user)
        rows += [
            Notification(
                key=f"cr{user.pk}",
                kind=NotificationKind.CHECKPOINT_REPORT,
                recipient=user,
                checkpoint=checkpoint,
                report=report,
                due_at=now,
            ),
            Notification(
                key=f"r{user.pk}",
                kind=NotificationKind.CHECKPOINT_REMINDER,
                recipient=user,
                checkpoint=checkpoint,
                minutes_before=60,
                due_at=now,
            ),
            Notification(
                key=f"c{user.pk}",
                kind=NotificationKind.CHECKPOINT_CANCELLED,
                recipient=user,
                checkpoint=cancelled,
                due_at=now,
            ),
            Notification(
                key=f"u{user.pk}",
                kind=NotificationKind.CHECKPOINT_UPDATED,
                recipient=user,
                checkpoint=checkpoint,
                sequence=checkpoint.sequence,
                due_at=now,
            ),
            Notification(
                key=f"a{user.pk}",
                kind=NotificationKind.TASK_ASSIGNED,
                recipient=user,
                task=h["task"],
                due_at=now,
            ),
            Notification(
                key=f"t{user.pk}",
                kind=NotificationKind.TASK_DUE_TOMORROW,
                recipient=user,
                task=h["microsoft_task"],
                due_at=now,
            ),
            Notification(
                key=f"o{user.pk}",
                kind=NotificationKind.TASK_OVERDUE,
                recipient=user,
                task=h["task"],
                due_at=now,
            ),
            Notification(
                key=f"d{user.pk}", kind=NotificationKind.DIGEST, recipient=user, due_at=now
            ),
            Notification(
                key=f"gs{user.pk}",
                kind=NotificationKind.GATE_SIGNED,
                recipient=user,
                engagement=engagement,
                event=h["signed"],
                due_at=now,
            ),
            Notification(
                key=f"gf{user.pk}",
                kind=NotificationKind.GATE_READY,
                recipient=user,
                engagement=engagement,
                event=h["finished"],
                due_at=now,
            ),
            Notification(
                key=f"gr{user.pk}",
                kind=NotificationKind.GATE_REOPENED,
                recipient=user,
                engagement=engagement,
                event=h["reopened"],
                due_at=now,
            ),
            Notification(
                key=f"td{user.pk}",
                kind=NotificationKind.TENANT_DRIFT,
                recipient=user,
                engagement=engagement,
                event=tenant_events["drift"],
                due_at=now,
            ),
            Notification(
                key=f"tr{user.pk}",
                kind=NotificationKind.TENANT_REVOKED,
                recipient=user,
                engagement=engagement,
                event=tenant_events["revoked"],
                due_at=now,
            ),
            Notification(
                key=f"m{user.pk}",
                kind=NotificationKind.MENTION,
                recipient=user,
                engagement=engagement,
                event=h["commented"],
                due_at=now,
            ),
            Notification(
                key=f"i{membership.pk}",
                kind=NotificationKind.INVITATION,
                recipient=user,
                engagement=engagement,
                due_at=now,
            ),
        ]
    return rows


def test_the_html_part_of_every_email_shows_user_text_escaped(hostile, carla, miguel):
    rows = notifications(hostile, carla, miguel)
    assert {row.kind for row in rows} == set(NotificationKind.values)
    seen = set()
    for row in rows:
        message = notification_message(row, timezone.now())
        assert message is not None, row.kind
        # Meetings have their invitation (text/calendar) as a second alternative.
        html, mime = message.alternatives[0]
        assert mime == "text/html"
        where = f"{row.kind} email to {row.recipient.username}"
        check(html, where, seen)
        # The recipient's own name greets them, escaped.
        if row.recipient == miguel:
            assert escaped("First") in html, where
    expected = {"Customer", "TextPT", "TextEN", "Title", "Location", "Agenda", "First", "Last"}
    assert expected <= seen, f"never shown: {expected - seen}"
