"""Mail servers that misbehave, for the tests that prove the portal copes, and the sent
messages read back as mail clients read them."""

import email
import email.policy
import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from icalendar import Calendar


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


def as_received(message) -> email.message.EmailMessage:
    """A sent message parsed from its bytes, as a mail client (Outlook, Gmail) reads it."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def invitation(message) -> tuple[str, Calendar]:
    """The iTIP method and calendar of a message's one inline text/calendar part."""
    (part,) = [p for p in as_received(message).walk() if p.get_content_type() == "text/calendar"]
    assert part.get_content_disposition() is None  # inline: an invitation, not a file
    assert str(part["Content-Type"]).count("charset") == 1
    assert part.get_param("charset") == "utf-8"
    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == part.get_param("method")
    return part.get_param("method"), calendar


class AcceptedThenLostEmailBackend(LocmemEmailBackend):
    """A mail server that takes the message but whose answer never arrives (the connection
    drops after DATA): the sender sees a failure although the message went out."""

    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
