"""Webhooks: an engagement's events POSTed, signed, to addresses staff and managers register.

`addresses` refuses addresses that resolve into loopback, private, link-local or reserved
ranges (at registration and again at each delivery, connecting only to the address it checked);
`owing` writes a delivery row per event and webhook in the event's own transaction (called from
engagements.journal, which every event passes); `sending` claims a row
before POSTing it, signs it with HMAC-SHA256 over the timestamp and body, and retries with an
exponential back-off, like notifications.
"""
