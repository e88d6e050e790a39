"""Mail servers that misbehave, for the tests that prove the portal copes."""

import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend


class DownEmailBackend(BaseEmailBackend):
    """An SMTP server that is down: every send fails the way smtplib fails."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowFileEmailBackend(FileEmailBackend):
    """Writes messages to files like Django's file backend, after SLOW_EMAIL_SECONDS."""

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0")))
        return super().send_messages(email_messages)


class HeldEmailBackend(LocmemEmailBackend):
    """A mail server that holds the next message while something else happens (`while_held`,
    set by the test), then takes it or, with `refuse`, answers 451 (try again later).

    Only that one message is held: sends made meanwhile, and later ones, go straight to
    Django's test outbox.
    """

    while_held = None
    refuse = False

    def send_messages(self, email_messages):
        backend = type(self)
        during, refuse = backend.while_held, backend.refuse
        if during is None:
            return super().send_messages(email_messages)
        backend.while_held, backend.refuse = None, False
        during()
        if refuse:
            raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(email_messages)
