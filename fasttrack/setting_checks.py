"""Settings that are refused at start-up because, together, they would break a promise: a
message sent twice, or a webhook guard reading an address it cannot parse. Each check raises
ImproperlyConfigured with what to change."""

import ipaddress

from django.core.exceptions import ImproperlyConfigured


def check_send_time_limits(
    *, email_timeout: float, soft_limit: int, hard_limit: int, claim_lease: int
) -> None:
    if not 0 < email_timeout < soft_limit:
        raise ImproperlyConfigured(
            f"EMAIL_TIMEOUT ({email_timeout:g}) must be above 0 and below "
            f"CELERY_TASK_SOFT_TIME_LIMIT ({soft_limit}): a mail server slow to answer would "
            "hold the send until the hard limit kills it, after the message went out."
        )
    # With the lease longer than the hard limit, Celery kills a send before its lease runs
    # out: otherwise a send still talking to a slow mail server would have its claim retaken
    # and the notification sent again by another worker.
    if claim_lease <= hard_limit:
        raise ImproperlyConfigured(
            f"NOTIFICATION_CLAIM_LEASE_SECONDS ({claim_lease}) must be longer than "
            f"CELERY_TASK_TIME_LIMIT ({hard_limit}): a send that outlived its lease would be "
            "sent twice."
        )


def allowed_networks(values: list[str]) -> list[str]:
    """The non-empty entries of WEBHOOK_ALLOWED_NETWORKS, each a network ipaddress reads."""
    networks = [value for value in values if value]
    for network in networks:
        try:
            ipaddress.ip_network(network)
        except ValueError as error:
            raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_NETWORKS: {error}") from error
    return networks
