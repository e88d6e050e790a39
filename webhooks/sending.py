"""Delivering webhook events exactly once, signed, with retries.

As with notifications (notifications/sending.py), a send first claims its row with
one conditional UPDATE that stamps a fresh claim token, so a beat that fires twice, two workers
or a task enqueued twice POST an event once; a claim whose worker died is retaken after the
lease, and the token keeps the old sender from recording over the new one. A refusal (any
answer but 2xx, a timeout, a refused address) returns the row to waiting with a back-off that
doubles from WEBHOOK_RETRY_SECONDS up to an hour, until WEBHOOK_MAX_ATTEMPTS.

Each attempt is signed anew: `X-FastTrack-Signature: t=<unix time>,v1=<hex>`, where v1 is the
HMAC-SHA256, keyed with the webhook's secret, of "<t>." followed by the body. A receiver
recomputes it and rejects a stale t, so a captured request cannot be replayed later.
"""

import datetime
import hashlib
import hmac
import http.client
import logging
import secrets
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from webhooks.access import webhooks_seeing
from webhooks.addresses import AddressRefused, resolve
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus

logger = logging.getLogger(__name__)

DISPATCH_BATCH = 500
RETRY_CAP_SECONDS = 3600
USER_AGENT = "FastTrack-Portal-Webhooks/1"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-FastTrack-Signature value for a body sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _ready(now):
    return Q(status=WebhookDeliveryStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def webhook_deliveries_due(*, now: datetime.datetime) -> list[int]:
    """Retake claims whose worker died, then list and stamp what is ready to send (three
    indexed queries)."""
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    requeue = datetime.timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
    WebhookDelivery.objects.filter(
        status=WebhookDeliveryStatus.SENDING, claimed_at__lt=now - lease
    ).update(status=WebhookDeliveryStatus.PENDING, queued_at=None, claim_token="")
    due = list(
        WebhookDelivery.objects.filter(_ready(now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue))
        .order_by("created_at")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    WebhookDelivery.objects.filter(pk__in=due).update(queued_at=now)
    return due


def webhook_delivery_claim(*, delivery_id: int, now: datetime.datetime) -> str | None:
    """Claim a ready delivery for this sender: its claim token, or None if it was not ready."""
    claim_token = secrets.token_hex(16)
    claimed = WebhookDelivery.objects.filter(_ready(now), pk=delivery_id).update(
        status=WebhookDeliveryStatus.SENDING,
        claimed_at=now,
        claim_token=claim_token,
        attempts=F("attempts") + 1,
    )
    return claim_token if claimed == 1 else None


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address the check allowed, while TLS still verifies the certificate
    for the host name in the webhook's address."""

    def __init__(self, host, port, *, address, tls, timeout):
        super().__init__(host, port, timeout=timeout, context=tls)
        self._address, self._tls = address, tls

    def connect(self):
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _headers(delivery: WebhookDelivery, body: bytes) -> dict:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-FastTrack-Event": delivery.topic,
        "X-FastTrack-Delivery": delivery.key,
    }
    # A Teams channel's address is its own secret: Workflows check their URL's signature.
    if not delivery.webhook.is_teams:
        headers["X-FastTrack-Signature"] = webhook_signature(
            delivery.webhook.secret, int(timezone.now().timestamp()), body
        )
    return headers


def _post(delivery: WebhookDelivery) -> int:
    """POST the delivery; the answer's status code. Raises on a refused address or a network
    or TLS failure. Redirects are not followed: they could lead anywhere."""
    url = delivery.webhook.url
    host, port, addresses = resolve(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = delivery.body.encode()
    tls = ssl.create_default_context(cafile=settings.WEBHOOK_CA_FILE or None)
    connection = _PinnedHTTPSConnection(
        host, port, address=addresses[0], tls=tls, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", path, body=body, headers=_headers(delivery, body))
        response = connection.getresponse()
        response.read(65536)  # the answer's body does not matter; do not wait for a huge one
        return response.status
    finally:
        connection.close()


def _retry_delay(attempts: int) -> datetime.timedelta:
    seconds = settings.WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, RETRY_CAP_SECONDS))


def _finish(delivery_id, claim_token, **fields) -> bool:
    """End this claim, and only this one: a claim retaken after its lease is not ours."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDeliveryStatus.SENDING, claim_token=claim_token
        ).update(**fields)
    )


def webhook_delivery_send(*, delivery_id: int, now: datetime.datetime | None = None) -> str:
    """Claim the delivery and POST it; return the status it ended in (or 'not claimed')."""
    now = now or timezone.now()
    claim_token = webhook_delivery_claim(delivery_id=delivery_id, now=now)
    if claim_token is None:
        return "not claimed"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if not webhooks_seeing(delivery.engagement_id).filter(pk=delivery.webhook_id).exists():
        # Owed while its owner saw the engagement; deactivated or gone since, they get no more.
        _finish(
            delivery_id,
            claim_token,
            status=WebhookDeliveryStatus.FAILED,
            attempts=F("attempts") - 1,
            # Stored as the other errors are (HTTP 502, ConnectionRefusedError: ...), untranslated.
            last_error="Withdrawn: its owner no longer sees this engagement.",
        )
        return WebhookDeliveryStatus.FAILED
    code, error = None, ""
    try:
        code = _post(delivery)
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except (AddressRefused, OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"[:2000]
    if not error:
        _finish(
            delivery_id,
            claim_token,
            status=WebhookDeliveryStatus.DELIVERED,
            response_status=code,
            delivered_at=timezone.now(),
            last_error="",
        )
        return WebhookDeliveryStatus.DELIVERED
    given_up = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    logger.warning(
        "Webhook delivery %s failed (attempt %d): %s", delivery.key, delivery.attempts, error
    )
    status = WebhookDeliveryStatus.FAILED if given_up else WebhookDeliveryStatus.PENDING
    _finish(
        delivery_id,
        claim_token,
        status=status,
        response_status=code,
        last_error=error,
        next_attempt_at=now + _retry_delay(delivery.attempts),
        queued_at=None,
    )
    return status
