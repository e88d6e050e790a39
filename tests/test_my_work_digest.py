"""The digest carries My work's sections, each item linked to where it is done, in the
recipient's language, at the same number of queries for one engagement or fifty."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from accounts.models import Profile
from engagements.gates.evidence import comment_add
from engagements.gates.services import general_acknowledge
from engagements.models import Membership, Role
from notifications.daily import queue_digests
from notifications.emails import notification_message
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import dispatch_notifications
from responsibilities.models import Party

from .factories import at, tick
from .test_my_work import WEDNESDAY, customer_only, customer_tasks, finish, many_engagements, own

__all__ = ["customer_only"]  # a fixture these tests use

CLOCK_START = "2026-11-04 12:00"
THURSDAY_EIGHT = "2026-11-05 08:00"


def digests(clock):
    """Thursday's digests, as beat owes and sends them; the emails by recipient."""
    clock(at(THURSDAY_EIGHT))
    queue_digests(now=timezone.now())
    dispatch_notifications.delay()
    return {
        m.to[0]: m
        for m in mail.outbox
        if m.extra_headers["X-FastTrack-Notification"].startswith("digest:")
    }


def test_the_digest_lists_my_tasks_by_week_and_what_waits_on_my_party(
    clock, engagement, carla, miguel
):
    Profile.objects.create(user=miguel, language="en")
    overdue, this_week, later = customer_tasks(engagement, count=3)
    own(overdue, carla, carla, WEDNESDAY - datetime.timedelta(days=1))
    own(this_week, carla, carla, WEDNESDAY + datetime.timedelta(days=2))
    own(later, carla, carla)
    finish(engagement, "iniciar", {Party.CUSTOMER: carla, Party.MICROSOFT: miguel})
    general_acknowledge(engagement=engagement, user=carla)
    sent = digests(clock)
    to_carla, to_miguel = sent["carla@example.com"], sent["miguel@example.com"]
    body, html = to_carla.body, to_carla.alternatives[0][0]
    for text in (body, html):
        assert "Meu trabalho" in text
        assert "Atrasadas (1)" in text and "Prazo nesta semana (1)" in text
        assert "Depois (1)" in text
        assert "Aprovar Iniciar em Fabrikam" in text and "pelo cliente" in text
    page = f"{settings.PORTAL_URL}/engagements/{engagement.pk}/"
    assert f"{page}#task-{overdue.pk}" in body and f'href="{page}#task-{overdue.pk}"' in html
    assert f"{page}#gate-panel-iniciar" in body
    assert f"{settings.PORTAL_URL}/my-work/" in body
    # Microsoft's manager, in English: his party's acknowledgement waits first.
    assert "Standing commitments to acknowledge (1)" in to_miguel.body
    assert "by Microsoft" in to_miguel.body
    assert "Phases waiting for your sign-off" not in to_miguel.body


def test_the_digest_tells_the_mentions_of_the_day_before_it(clock, engagement, carla, miguel):
    task = own(customer_tasks(engagement, count=1)[0], carla, carla, WEDNESDAY)
    clock(at("2026-11-04 07:59"))  # a day and a minute before Thursday's digest
    older = comment_add(task=task, user=miguel, body="@Carla, a semana passada")
    clock(at("2026-11-04 08:01"))
    newer = comment_add(task=task, user=miguel, body="@Carla, pode validar?")
    body = digests(clock)["carla@example.com"].body
    assert "Comentários que mencionam você (1)" in body
    assert f"#comment-{newer.pk}" in body and f"#comment-{older.pk}" not in body


def test_the_digest_asks_a_party_s_manager_to_confirm_ticks_made_on_its_behalf(
    clock, customer_only, carla, miguel
):
    Profile.objects.create(user=miguel, language="en")
    ticked = customer_only.tasks.filter(party=Party.MICROSOFT, phase__code="iniciar").first()
    tick(ticked, carla)
    Membership.objects.create(
        engagement=customer_only, user=miguel, party=Party.MICROSOFT, role=Role.MANAGER
    )
    body = digests(clock)["miguel@example.com"].body
    assert "Ticks waiting for your party's confirmation (1)" in body
    assert f"#task-{ticked.pk}" in body


def test_tasks_due_after_this_week_alone_send_no_digest(clock, engagement, carla, miguel):
    general_acknowledge(engagement=engagement, user=carla)
    general_acknowledge(engagement=engagement, user=miguel)
    # Due a day after the digest's "within 7 days" ends, and well after this week.
    own(customer_tasks(engagement, count=1)[0], carla, carla, WEDNESDAY + datetime.timedelta(9))
    assert digests(clock) == {}
    assert Notification.objects.get(kind=NotificationKind.DIGEST, recipient=carla).status == (
        NotificationStatus.SKIPPED
    )


@pytest.mark.parametrize("count", [1, 50])
def test_the_digest_costs_the_same_queries_for_one_engagement_or_fifty(
    clock, catalogue, miguel, count, django_assert_num_queries
):
    many_engagements(miguel, count)
    clock(at("2026-11-05 07:00"))
    queue_digests(now=timezone.now())
    digest = Notification.objects.select_related("recipient").get(kind=NotificationKind.DIGEST)
    clock(at(THURSDAY_EIGHT))
    # the recipient's preferences, My work's five, the due tasks' two, the held notes' two
    with django_assert_num_queries(10):
        message = notification_message(digest, timezone.now())
    assert message.body.count("#task-") == 2 * count
