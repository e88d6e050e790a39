"""Mail servers that misbehave, for the tests that prove the portal copes."""

import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class DownEmailBackend(BaseEmailBackend):
    """An SMTP server that is down: every send fails the way smtplib fails."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowFileEmailBackend(FileEmailBackend):
    """Writes messages to files like Django's file backend, after SLOW_EMAIL_SECONDS."""

    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0")))
        return super().send_messages(email_messages)
