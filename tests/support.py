"""Mail servers that misbehave, for the tests that prove the portal copes, and the sent
messages read back as mail clients read them."""

import asyncio
import email
import email.policy
import os
import smtplib
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from aiosmtpd.controller import Controller
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.db import connection
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


class HttpsServer(ThreadingHTTPServer):
    """An HTTPS server of the test's own: `handler` answers on `address`:`port` (a free loopback
    port by default) with a certificate for `names` from `authority` (a trustme CA), in a thread
    that `stop` ends."""

    def __init__(self, handler, authority, *, address="127.0.0.1", port=0, names=("127.0.0.1",)):
        super().__init__((address, port), handler)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert(*names).configure_cert(self.context)
        self.socket = self.context.wrap_socket(self.socket, server_side=True)
        # `stop` waits for the loop's next look at its flag: half a second by default.
        self.thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """An SMTP server of the test's own (aiosmtpd, in a thread, on a free port, no TLS).

    It records the messages it accepts; on demand (`will`) it holds the next message before
    answering DATA and/or refuses it with 451 (try again later). A message held while its
    sender hangs up is never accepted: aiosmtpd cancels the handler when the client leaves,
    as a server that had not yet answered 250 has not taken responsibility for it; unless
    `taken` says it had already taken it (queued on the final dot, answering late), which is
    the one duplicate no sender can prevent.
    """

    def __init__(self):
        self.accepted, self.holding = [], 0
        self._plan, self._lock = [], threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.controller.port}"

    def will(self, *, hold: float = 0.0, refuse: bool = False, taken: bool = False):
        """What to do with the next message not yet planned for."""
        with self._lock:
            self._plan.append((hold, refuse, taken))

    def keys(self, kind: str = "") -> list[str]:
        """The notification keys of the messages accepted, in order; only those of `kind`
        (a key prefix such as "checkpoint-reminder") when given."""
        with self._lock:
            keys = [message["X-FastTrack-Notification"] for message in self.accepted]
        return [key for key in keys if key.startswith(kind)]

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            hold, refuse, taken = self._plan.pop(0) if self._plan else (0.0, False, False)
            if hold:
                self.holding += 1
            if taken:
                self.accepted.append(email.message_from_bytes(envelope.content))
        if hold:
            await asyncio.sleep(hold)
        if refuse:
            return "451 4.3.0 Try again later"
        if not taken:
            with self._lock:
                self.accepted.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def on_first_read_of(table: str, action):
    """Run `action` once, right after the first query that reads `table` (e.g. the sender's
    first read while it builds a message, after its claim was checked): Django's own hook on
    every query, so nothing of the portal is replaced."""
    done = False

    def hook(execute, sql, params, many, context):
        nonlocal done
        result = execute(sql, params, many, context)
        if not done and f'FROM "{table}"' in sql:
            done = True
            action()
        return result

    with connection.execute_wrapper(hook):
        yield
