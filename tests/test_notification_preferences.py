"""How each person wants each kind of notification (by email, in the daily digest, never): the
preferences page, the kinds that cannot be turned off, the one-click unsubscribe address, and
the send honouring the choice at every kind."""

from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.gates.evidence import comment_add
from engagements.models import Task
from notifications.emails import notification_message
from notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
)
from notifications.preferences import RULES, notification_preferences_set, preferences_of
from notifications.sending import notification_send
from notifications.unsubscribe import SALT, unsubscribe_url

from .migrating import migrate
from .test_escaping import hostile, hostile_rows, notifications  # noqa: F401 (the fixtures)

# test_escaping's engagement: a task overdue and one due tomorrow at this moment.
CLOCK_START = "2026-09-16 09:00"

REQUIRED = [kind for kind, rule in RULES.items() if rule.required]


def test_sign_off_requests_and_invitations_are_the_required_kinds():
    assert set(REQUIRED) == {
        NotificationKind.GATE_READY,
        NotificationKind.GATE_SIGNED,
        NotificationKind.INVITATION,
    }
    assert set(RULES) == set(NotificationKind.values)


# The page


def preferences_page(client):
    return client.get(reverse("notification-preferences"))


def test_the_page_lists_every_kind_and_says_why_the_required_ones_stay_on(client, carla):
    client.force_login(carla)
    html = preferences_page(client).content.decode()
    for kind, rule in RULES.items():
        assert f'id="preference-{kind}"' in html
        if rule.required:
            assert f'name="{kind}"' not in html
        else:
            for delivery in rule.offered:
                assert f'name="{kind}" value="{delivery}"' in html
    assert "Obrigatória: uma fase só é encerrada" in html
    assert 'name="checkpoint_reminder" value="digest"' not in html


def test_a_person_chooses_per_kind_and_the_page_shows_it(client, carla):
    client.force_login(carla)
    response = client.post(
        reverse("notification-preferences"),
        {"mention": "digest", "task_assigned": "never", "checkpoint_reminder": "email"},
    )
    assert response.status_code == 302
    wanted = preferences_of(carla)
    assert wanted["mention"] == Delivery.DIGEST
    assert wanted["task_assigned"] == Delivery.NEVER
    assert wanted["checkpoint_reminder"] == Delivery.EMAIL
    assert NotificationPreference.objects.count() == 2
    html = preferences_page(client).content.decode()
    assert 'name="mention" value="digest" checked' in html


@pytest.mark.parametrize("kind", REQUIRED)
def test_a_required_kind_is_refused_with_its_reason_and_nothing_changes(client, carla, kind):
    client.force_login(carla)
    response = client.post(
        reverse("notification-preferences"),
        {kind: "never", "mention": "never"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "cannot be turned off. Required:" in response.content.decode()
    assert not NotificationPreference.objects.exists()
    with pytest.raises(ValidationError) as refused:
        notification_preferences_set(user=carla, choices={kind: Delivery.DIGEST})
    assert kind in refused.value.message_dict


def test_a_meetings_note_cannot_wait_for_the_digest(client, carla):
    client.force_login(carla)
    response = client.post(reverse("notification-preferences"), {"checkpoint_reminder": "digest"})
    assert "vem por e-mail ou não vem" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_nothing_can_go_into_a_digest_that_is_off(client, carla):
    client.force_login(carla)
    response = client.post(
        reverse("notification-preferences"), {"digest": "never", "mention": "digest"}
    )
    assert "O resumo diário está desligado" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_unknown_choice_is_refused(client, carla):
    client.force_login(carla)
    response = client.post(reverse("notification-preferences"), {"mention": "pigeon"})
    assert response.status_code == 200
    assert not NotificationPreference.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = preferences_page(client)
    assert response["Location"].startswith(reverse("login"))


# One-click unsubscribe


def test_the_address_asks_on_a_get_and_turns_its_kind_off_on_a_post(carla):
    path = urlsplit(unsubscribe_url(carla, NotificationKind.MENTION)).path
    page = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "Stop sending me these emails: mention in a comment?" in page.content.decode()
    assert not NotificationPreference.objects.exists()
    done = Client(enforce_csrf_checks=True).post(path, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200
    assert preferences_of(carla)["mention"] == Delivery.NEVER
    assert preferences_of(carla)["task_assigned"] == Delivery.EMAIL


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(":", "x", 1),
        lambda token: signing.dumps({"user": 1, "kind": "mention"}, salt="another"),
    ],
)
def test_a_tampered_address_is_refused_and_changes_nothing(carla, tamper):
    token = urlsplit(unsubscribe_url(carla, NotificationKind.MENTION)).path.split("/")[-2]
    response = Client(enforce_csrf_checks=True).post(
        reverse("unsubscribe", args=[tamper(token)]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "This unsubscribe address is not valid." in response.content.decode()
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("kind", REQUIRED)
def test_even_a_signed_address_cannot_turn_a_required_kind_off(carla, kind):
    token = signing.dumps({"user": carla.pk, "kind": kind}, salt=SALT, compress=True)
    response = Client(enforce_csrf_checks=True).post(reverse("unsubscribe", args=[token]))
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_an_address_sent_before_preferences_per_kind_still_works(carla):
    token = signing.dumps({"user": carla.pk, "topic": "receives_due_notes"}, salt=SALT)
    Client(enforce_csrf_checks=True).post(reverse("unsubscribe", args=[token]))
    wanted = preferences_of(carla)
    assert wanted["task_due_tomorrow"] == wanted["task_overdue"] == Delivery.NEVER
    assert wanted["digest"] == Delivery.EMAIL


# The send, at each kind


def offered(kinds):
    return [
        (kind, delivery)
        for kind in kinds
        for delivery in RULES[kind].offered
        if not RULES[kind].required
    ]


def owed_to_carla(hostile, carla, miguel, kind):  # noqa: F811 (the fixture)
    """test_escaping's notification of this kind to Carla, saved, as it would be owed."""
    row = next(
        row
        for row in notifications(hostile, carla, miguel)
        if row.kind == kind and row.recipient == carla
    )
    if kind == NotificationKind.CHECKPOINT_REMINDER:
        row.owed_for = row.checkpoint.starts_at
    if kind == NotificationKind.TASK_ASSIGNED:
        Task.objects.filter(pk=row.task_id).update(owner=carla)
    row.save()
    return row


@pytest.mark.parametrize(("kind", "delivery"), offered(RULES))
def test_the_send_honours_the_preference_of_each_kind(
    hostile,  # noqa: F811 (the fixture)
    carla,
    miguel,
    kind,
    delivery,
):
    row = owed_to_carla(hostile, carla, miguel, kind)
    subject = notification_message(row, timezone.now()).subject
    notification_preferences_set(user=carla, choices={kind: delivery})
    mail.outbox.clear()
    outcome = notification_send(notification_id=row.pk)
    row.refresh_from_db()
    if delivery == Delivery.EMAIL:
        assert outcome == row.status == NotificationStatus.SENT
        assert [m.subject for m in mail.outbox] == [subject]
        return
    assert mail.outbox == []
    if delivery == Delivery.NEVER:
        assert outcome == row.status == NotificationStatus.WITHDRAWN
        return
    assert outcome == row.status == NotificationStatus.HELD
    # The next digest carries it, once.
    for key in ("first", "second"):
        digest = Notification.objects.create(
            key=f"digest-{key}", kind=NotificationKind.DIGEST, recipient=carla, due_at=row.due_at
        )
        notification_send(notification_id=digest.pk)
    first, second = mail.outbox
    assert "O que você escolheu receber no resumo" in first.body
    assert subject in first.body
    assert subject not in second.body
    row.refresh_from_db()
    assert row.status == NotificationStatus.DIGESTED


@pytest.mark.parametrize("kind", REQUIRED)
def test_a_required_kind_is_sent_whatever_a_row_says(hostile, carla, miguel, kind):  # noqa: F811
    row = owed_to_carla(hostile, carla, miguel, kind)
    NotificationPreference.objects.create(user=carla, kind=kind, delivery=Delivery.NEVER)
    assert notification_send(notification_id=row.pk) == NotificationStatus.SENT


def test_turning_the_digest_off_by_one_click_turns_off_what_it_held(
    hostile,  # noqa: F811 (the fixture)
    carla,
    miguel,
):
    row = owed_to_carla(hostile, carla, miguel, NotificationKind.MENTION)
    notification_preferences_set(user=carla, choices={"mention": Delivery.DIGEST})
    assert notification_send(notification_id=row.pk) == NotificationStatus.HELD
    path = urlsplit(unsubscribe_url(carla, NotificationKind.DIGEST)).path
    Client(enforce_csrf_checks=True).post(path)
    wanted = preferences_of(carla)
    assert wanted["digest"] == wanted["mention"] == Delivery.NEVER
    row.refresh_from_db()
    assert row.status == NotificationStatus.WITHDRAWN


# The profile's switches of before


@pytest.mark.migrations
def test_the_profiles_switches_become_preferences_and_back(transactional_db, carla, miguel):
    before = [
        ("accounts", "0005_entra_identities"),
        ("notifications", "0003_mentions_mention_kind"),
    ]
    apps = migrate(before)
    profile = apps.get_model("accounts", "Profile")
    profile.objects.create(user_id=carla.pk, receives_digest=False, receives_due_notes=True)
    profile.objects.create(user_id=miguel.pk, receives_digest=True, receives_due_notes=False)

    apps = migrate([("accounts", "0006_mentions_switches_to_preferences")])
    rows = apps.get_model("notifications", "NotificationPreference").objects
    assert set(rows.values_list("user_id", "kind", "delivery")) == {
        (carla.pk, "digest", "never"),
        (miguel.pk, "task_due_tomorrow", "never"),
        (miguel.pk, "task_overdue", "never"),
    }

    apps = migrate(before)
    switches = apps.get_model("accounts", "Profile").objects.order_by("user_id")
    assert list(switches.values_list("receives_digest", "receives_due_notes")) == [
        (False, True),
        (True, False),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.parametrize("rows", [0, 10])
def test_the_page_costs_the_same_however_many_choices(
    client, carla, rows, django_assert_num_queries
):
    optional = [kind for kind, rule in RULES.items() if not rule.required][:rows]
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=carla, kind=kind, delivery=Delivery.NEVER) for kind in optional
    )
    client.force_login(carla)
    # session, user, profile, the choices
    with django_assert_num_queries(4):
        assert preferences_page(client).status_code == 200


# The digest's own section


@pytest.mark.parametrize(("held", "shown", "more"), [(20, 20, 0), (21, 20, 1)])
def test_a_digest_shows_at_most_so_many_held_notes_and_counts_the_rest(
    engagement, carla, miguel, held, shown, more
):
    task = engagement.tasks.first()
    comment = comment_add(task=task, user=carla, body="@Miguel veja")
    event = engagement.events.get(kind="comment_added")
    Notification.objects.filter(kind=NotificationKind.MENTION).delete()
    Notification.objects.bulk_create(
        Notification(
            key=f"held-{index}",
            kind=NotificationKind.MENTION,
            recipient=miguel,
            engagement=engagement,
            event=event,
            status=NotificationStatus.HELD,
            due_at=timezone.now(),
        )
        for index in range(held)
    )
    digest = Notification.objects.create(
        key="digest", kind=NotificationKind.DIGEST, recipient=miguel, due_at=timezone.now()
    )
    message = notification_message(digest, timezone.now())
    # Each held note links to the comment, and My work's section lists it once more (a mention
    # of the day before).
    assert message.body.count(f"#comment-{comment.pk}") == shown + 1
    assert ("… e mais 1 no portal." in message.body) is bool(more)
    assert len(message.held_ids) == held
