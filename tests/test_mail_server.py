"""Sends to a real SMTP server (aiosmtpd, in a thread, on a free port) that answers slowly:
a send ends at Celery's soft time limit instead of waiting for the server, and is retried."""

import signal
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from notifications.keys import invitation_key
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.sending import notification_send

from .support import SmtpServer

CLOCK_START = "2026-11-02 12:00"
SOFT_LIMIT = 0.5  # seconds into the send


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.controller.stop()


@pytest.fixture
def soft_time_limit():
    """Celery's soft time limit as its pool process has it: a timer whose signal handler
    raises SoftTimeLimitExceeded in the task, wherever it is."""

    def raise_soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, raise_soft_limit)
    signal.setitimer(signal.ITIMER_REAL, SOFT_LIMIT)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def invitation(clock, engagement, carla):
    return Notification.objects.create(
        key=invitation_key(membership_id=engagement.memberships.get(user=carla).pk),
        kind=NotificationKind.INVITATION,
        recipient=carla,
        engagement=engagement,
        due_at=timezone.now(),
    )


def test_the_soft_time_limit_hangs_up_on_a_server_slow_to_answer_data_and_retries(
    settings, smtp_server, invitation, soft_time_limit
):
    settings.EMAIL_TIMEOUT = 30  # the soft limit comes first
    smtp_server.will(hold=3)
    started = time.perf_counter()
    assert notification_send(notification_id=invitation.pk) == NotificationStatus.PENDING
    # Ended at the soft limit: no QUIT waiting for the held answer until the hard limit.
    assert time.perf_counter() - started < SOFT_LIMIT + 1
    invitation.refresh_from_db()
    assert invitation.status == NotificationStatus.PENDING
    assert invitation.last_error.startswith("SoftTimeLimitExceeded")
    assert invitation.next_attempt_at > timezone.now()


def test_a_server_slower_than_the_email_timeout_fails_the_attempt(
    settings, smtp_server, invitation
):
    settings.EMAIL_TIMEOUT = 0.3
    smtp_server.will(hold=2)
    started = time.perf_counter()
    assert notification_send(notification_id=invitation.pk) == NotificationStatus.PENDING
    assert time.perf_counter() - started < 2
    invitation.refresh_from_db()
    assert "timed out" in invitation.last_error
