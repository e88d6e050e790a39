"""Webhooks: events POSTed, signed, to a real HTTPS server the test starts on loopback (allowed
by the setting for these tests only), exactly once, retried with a back-off."""

import datetime
import hashlib
import hmac
import json
import socket
from http.server import BaseHTTPRequestHandler

import pytest
import trustme
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Profile
from engagements.meetings.services import checkpoint_cancel
from engagements.services.members import member_remove
from engagements.services.tasks import task_set_done, task_set_note
from responsibilities.models import Party
from webhooks.addresses import is_refused
from webhooks.forms import WebhookForm
from webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryStatus
from webhooks.sending import (
    webhook_deliveries_due,
    webhook_delivery_claim,
    webhook_delivery_send,
)
from webhooks.services import webhook_register
from webhooks.tasks import dispatch_webhooks

from .factories import at, make_checkpoint, make_user
from .support import HttpsServer

CLOCK_START = "2026-10-01 09:00"
SECRET = "a-secret-of-thirty-two-characters"
NAME = "hooks.example.test"


class Receiver:
    """An HTTPS server on a free loopback port (or the one given) that records each request and
    the name each TLS handshake asked for, and answers with the next planned status (200 once
    the plan runs out); a redirect points back to itself."""

    def __init__(self, tmp_path, *, address="127.0.0.1", port=0, names=("127.0.0.1",), ca=None):
        self.authority = ca or trustme.CA()
        self.ca_file = tmp_path / "ca.pem"
        self.authority.cert_pem.write_to_path(str(self.ca_file))
        self.requests, self.plan, self.server_names = [], [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HttpsServer(Handler, self.authority, address=address, port=port, names=names)
        self.server.context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)

    @property
    def port(self):
        return self.server.port

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}/hooks/fasttrack?from=portal"

    def stop(self):
        self.server.stop()


@pytest.fixture
def receiver(tmp_path, settings):
    server = Receiver(tmp_path)
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_CA_FILE = str(server.ca_file)
    yield server
    server.stop()


@pytest.fixture
def dns(monkeypatch):
    """A stand-in for the system's resolver, at the socket boundary: each name put in it answers
    with its next list of addresses (the last list again once they run out); other names are
    resolved as usual."""
    answers, resolve = {}, socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return resolve(host, port, *args, **kwargs)
        addresses = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
            if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def hook(clock, receiver, engagement, carla):
    return webhook_register(owner=carla, url=receiver.url, secret=SECRET, engagement=engagement)


def customer_task(engagement):
    return engagement.tasks.filter(
        party=Party.CUSTOMER, phase__code="avaliar", evidence_required=False
    ).first()


def verify(headers, body, secret=SECRET, now=None, tolerance=300):
    """What a receiver does: recompute the HMAC over "<t>." + body and check t is recent."""
    fields = dict(part.split("=", 1) for part in headers["X-FastTrack-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    fresh = now is None or abs(now.timestamp() - int(fields["t"])) <= tolerance
    return hmac.compare_digest(expected.hexdigest(), fields["v1"]) and fresh


def test_a_tick_is_posted_signed_and_the_receiver_verifies_it(
    clock, hook, receiver, engagement, carla
):
    task = customer_task(engagement)
    task_set_done(task=task, user=carla, done=True)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.key == f"webhook:{hook.pk}:{delivery.event_id}"
    dispatch_webhooks()
    ((headers, body),) = receiver.requests
    assert verify(headers, body, now=at(CLOCK_START))
    assert not verify(headers, body, secret="another-secret-of-32-characters!")
    assert not verify(headers, body + b" ", now=at(CLOCK_START))
    assert headers["X-FastTrack-Event"] == "task.done"
    payload = json.loads(body)
    assert payload["type"] == "task.done"
    assert payload["engagement"] == {"id": engagement.pk, "customer": "Fabrikam"}
    assert payload["task"]["id"] == task.pk and payload["task"]["done"] is True
    assert payload["actor"]["name"] == "Carla" and payload["actor"]["party"] == "customer"
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert delivery.response_status == 200


def test_only_the_events_webhooks_carry_are_owed(clock, hook, engagement, carla):
    task = customer_task(engagement)
    task_set_note(task=task, user=carla, note="Sem webhook")
    assert not WebhookDelivery.objects.exists()
    checkpoint = make_checkpoint(
        engagement, carla, starts_at=at("2026-10-10 10:00"), attendees=[carla]
    )
    checkpoint_cancel(checkpoint=checkpoint, user=carla)
    kinds = [json.loads(d.body)["type"] for d in WebhookDelivery.objects.order_by("pk")]
    assert kinds == ["checkpoint.scheduled", "checkpoint.cancelled"]


def test_a_500_is_retried_with_a_doubling_back_off_then_delivered(
    clock, hook, receiver, engagement, carla
):
    receiver.plan = [500, 503]
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    delivery = WebhookDelivery.objects.get()
    start = at(CLOCK_START)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=start) == "pending"
    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.last_error) == (500, "HTTP 500")
    assert delivery.next_attempt_at == start + datetime.timedelta(seconds=60)
    # Not before its time, then again with twice the wait.
    assert webhook_deliveries_due(now=start + datetime.timedelta(seconds=59)) == []
    second = start + datetime.timedelta(seconds=60)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=second) == "pending"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + datetime.timedelta(seconds=120)
    third = second + datetime.timedelta(seconds=120)
    assert webhook_deliveries_due(now=third) == [delivery.pk]
    assert webhook_delivery_send(delivery_id=delivery.pk, now=third) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert len(receiver.requests) == 3
    # The body is the same bytes each time; each attempt is signed anew.
    assert len({body for _headers, body in receiver.requests}) == 1


def test_it_gives_up_after_the_last_attempt(clock, settings, hook, receiver, engagement, carla):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.plan = [500, 500]
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_send(delivery_id=delivery.pk, now=at(CLOCK_START))
    later = at(CLOCK_START) + datetime.timedelta(minutes=5)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=later) == "failed"
    assert webhook_deliveries_due(now=later + datetime.timedelta(days=1)) == []


def test_a_double_dispatch_delivers_once(clock, hook, receiver, engagement, carla):
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    delivery = WebhookDelivery.objects.get()
    # Two senders given the same row: only the first claim takes.
    now = at(CLOCK_START)
    assert webhook_delivery_claim(delivery_id=delivery.pk, now=now) is not None
    assert webhook_delivery_claim(delivery_id=delivery.pk, now=now) is None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", claim_token="")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=0)
    dispatch_webhooks()
    dispatch_webhooks()
    assert webhook_delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1"]
    + ["::ffff:10.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "240.0.0.1"],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert is_refused(address)


def test_a_public_address_is_allowed_and_a_setting_lets_a_range_in(settings):
    assert not is_refused("93.184.216.34")
    assert not is_refused("2606:2800:220:1:248:1893:25c8:1946")
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert not is_refused("10.20.1.1")
    assert is_refused("10.21.1.1")


def test_registration_refuses_a_private_address_and_a_plain_http_one(clock, engagement, carla):
    for url in ("https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.5/hook"):
        with pytest.raises(ValidationError) as refused:
            webhook_register(owner=carla, url=url, secret=SECRET, engagement=engagement)
        assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError):
        webhook_register(owner=carla, url="http://93.184.216.34/", secret=SECRET)
    with pytest.raises(ValidationError) as short:
        webhook_register(owner=carla, url="https://93.184.216.34/", secret="short")
    assert "secret" in short.value.message_dict
    assert not Webhook.objects.exists()


def test_a_delivery_to_an_address_now_private_is_refused_and_retried(
    clock, settings, hook, receiver, engagement, carla
):
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    settings.WEBHOOK_ALLOWED_NETWORKS = []  # as if the name now resolved to loopback
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(CLOCK_START)) == "pending"
    delivery.refresh_from_db()
    assert "AddressRefused" in delivery.last_error
    assert receiver.requests == []


def test_a_webhook_for_all_engagements_follows_what_its_owner_sees(
    clock, receiver, engagement, other_engagement, carla, otto, ada
):
    everything = webhook_register(owner=carla, url=receiver.url, secret=SECRET)
    task_set_done(task=customer_task(other_engagement), user=otto, done=True)
    assert not WebhookDelivery.objects.exists()  # Carla does not see Northwind
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    assert WebhookDelivery.objects.filter(webhook=everything).count() == 1
    member_remove(
        membership=engagement.memberships.get(user=carla), removed_by=ada
    )  # once she leaves, its events stop, even the one owed
    task_set_done(task=customer_task(engagement), user=make_manager(engagement), done=False)
    assert WebhookDelivery.objects.filter(webhook=everything).count() == 1
    dispatch_webhooks()
    assert receiver.requests == []
    assert WebhookDelivery.objects.get(webhook=everything).status == WebhookDeliveryStatus.FAILED


def make_manager(engagement):
    user = make_user("paula")
    engagement.memberships.create(user=user, party=Party.CUSTOMER, role="manager")
    return user


def test_who_may_register_a_webhook(client, clock, receiver, engagement, carla, vera, otto, ada):
    form = {"url": receiver.url, "secret": SECRET, "engagement": engagement.pk}
    client.force_login(vera)  # a viewer
    assert client.post(reverse("webhooks"), form).status_code == 403
    assert 'id="webhooks"' not in client.get(reverse("integrations")).content.decode()
    otto_engagement_manager = otto  # manages Northwind only (other_engagement is not made here)
    client.force_login(otto_engagement_manager)
    assert client.post(reverse("webhooks"), form).status_code == 403  # manages nothing here
    lead = make_user("lia")
    lead.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    engagement.memberships.create(user=lead, party=Party.MICROSOFT, role="viewer")
    client.force_login(lead)
    assert client.post(reverse("webhooks"), form).status_code == 403
    assert not Webhook.objects.exists()
    client.force_login(carla)
    response = client.post(reverse("webhooks"), form)
    assert response.status_code == 302
    webhook = Webhook.objects.get(owner=carla)
    assert webhook.engagement == engagement
    client.force_login(ada)  # staff, not a member
    assert client.post(reverse("webhooks"), form).status_code == 302
    # Someone else's webhook and its deliveries: 404.
    client.force_login(ada)
    assert client.get(reverse("webhook-detail", args=[webhook.pk])).status_code == 404
    assert client.post(reverse("webhook-delete", args=[webhook.pk])).status_code == 404


def test_a_manager_of_another_engagement_gets_404_and_a_viewer_403(
    client, clock, receiver, engagement, other_engagement, otto, vera, carla
):
    client.force_login(otto)  # manages Northwind, so may register webhooks at all
    form = {"url": receiver.url, "secret": SECRET, "engagement": engagement.pk}
    assert client.post(reverse("webhooks"), form).status_code == 404
    Webhook.objects.all().delete()
    engagement.memberships.filter(user=vera).update(role="viewer")
    other_engagement.memberships.create(user=vera, party=Party.CUSTOMER, role="manager")
    client.force_login(vera)  # manages Northwind, only reads Fabrikam
    assert client.post(reverse("webhooks"), form).status_code == 403
    assert not Webhook.objects.exists()


def test_the_webhook_page_lists_deliveries_with_their_status(
    client, clock, hook, receiver, engagement, carla
):
    receiver.plan = [500]
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    dispatch_webhooks()
    client.force_login(carla)
    page = client.get(reverse("webhook-detail", args=[hook.pk])).content.decode()
    assert "task.done" in page and "HTTP 500" in page and "aguardando" in page
    assert (
        reverse("webhook-detail", args=[hook.pk])
        in client.get(reverse("integrations")).content.decode()
    )
    assert client.post(reverse("webhook-delete", args=[hook.pk])).status_code == 302
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.fixture
def named_receiver(clock, settings, tmp_path, dns):
    """A receiver reached by a name (its certificate names only that) at 127.0.0.1, the one
    address allowed; beside it, a trap on 127.0.0.2 at the same port, with a certificate as
    good, that no delivery may reach."""
    named = Receiver(tmp_path, names=[NAME])
    trap = Receiver(
        tmp_path, address="127.0.0.2", port=named.port, names=[NAME], ca=named.authority
    )
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_CA_FILE = str(named.ca_file)
    yield named, trap
    named.stop()
    trap.stop()


def test_a_delivery_connects_to_the_address_it_checked_not_to_the_name_again(
    named_receiver, dns, engagement, carla
):
    named, trap = named_receiver
    # The name answers the registration's check and the delivery's with the receiver, and any
    # later lookup (a rebinding) with an address that is not allowed.
    dns[NAME] = [["127.0.0.1"], ["127.0.0.1"], ["127.0.0.2"]]
    webhook_register(
        owner=carla, url=f"https://{NAME}:{named.port}/hook", secret=SECRET, engagement=engagement
    )
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    dispatch_webhooks()
    assert trap.requests == []
    ((headers, _body),) = named.requests
    # TLS and the request still name the host: the certificate was checked against the name.
    assert headers["Host"] == f"{NAME}:{named.port}" and named.server_names == [NAME]
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.DELIVERED


def test_a_name_that_resolves_to_a_public_and_a_private_address_is_refused(
    named_receiver, dns, engagement, carla
):
    dns[NAME] = [["93.184.216.34", "10.0.0.5"]]
    with pytest.raises(ValidationError) as refused:
        webhook_register(owner=carla, url=f"https://{NAME}/hook", secret=SECRET)
    assert "10.0.0.5" in refused.value.message_dict["url"][0]
    assert not Webhook.objects.exists()
    # At a delivery too: an allowed answer beside a refused one sends nothing.
    named, trap = named_receiver
    dns[NAME] = [["127.0.0.1"], ["127.0.0.1", "127.0.0.2"]]
    webhook_register(
        owner=carla, url=f"https://{NAME}:{named.port}/hook", secret=SECRET, engagement=engagement
    )
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    dispatch_webhooks()
    assert named.requests == [] and trap.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert "127.0.0.2" in delivery.last_error


@pytest.mark.parametrize("status", [301, 302])
def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    clock, hook, receiver, engagement, carla, status
):
    receiver.plan = [status]
    task_set_done(task=customer_task(engagement), user=carla, done=True)
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_send(delivery_id=delivery.pk, now=at(CLOCK_START)) == "pending"
    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.last_error) == (status, f"HTTP {status}")
    assert delivery.delivered_at is None and len(receiver.requests) == 1


def test_a_deactivated_owner_gets_no_more_events_not_even_those_already_owed(
    clock, hook, receiver, engagement, carla
):
    task = customer_task(engagement)
    task_set_done(task=task, user=carla, done=True)
    owed = WebhookDelivery.objects.get()
    carla.is_active = False
    carla.save(update_fields=["is_active"])
    dispatch_webhooks()
    assert receiver.requests == []
    owed.refresh_from_db()
    assert owed.status == WebhookDeliveryStatus.FAILED
    assert owed.last_error == "Withdrawn: its owner no longer sees this engagement."
    task_set_done(task=task, user=make_manager(engagement), done=False)
    assert WebhookDelivery.objects.get() == owed


@pytest.mark.parametrize("secret, accepted", [("s" * 15, False), ("s" * 16, True)])
def test_a_secret_needs_16_characters(client, clock, receiver, engagement, carla, secret, accepted):
    form = {"url": receiver.url, "secret": secret}
    assert WebhookForm(form).is_valid() is accepted
    client.force_login(carla)
    page = client.post(reverse("webhooks"), form)
    assert (page.status_code == 302) is accepted
    assert Webhook.objects.exists() is accepted
    Webhook.objects.all().delete()
    if accepted:
        assert webhook_register(owner=carla, url=receiver.url, secret=secret)
    else:
        with pytest.raises(ValidationError) as refused:
            webhook_register(owner=carla, url=receiver.url, secret=secret)
        assert list(refused.value.message_dict) == ["secret"]


@pytest.mark.parametrize("port", ["65536", "99999", "0"])
def test_a_port_out_of_range_is_refused_with_a_message(client, clock, engagement, carla, port):
    url = f"https://93.184.216.34:{port}/hook"
    Profile.objects.create(user=carla, language="en")
    client.force_login(carla)
    page = client.post(reverse("webhooks"), {"url": url, "secret": SECRET})
    assert page.status_code == 200
    assert "The port must be a number from 1 to 65535." in page.content.decode()
    with pytest.raises(ValidationError) as refused:
        webhook_register(owner=carla, url=url, secret=SECRET, engagement=engagement)
    assert refused.value.message_dict == {"url": ["The port must be a number from 1 to 65535."]}
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "address",
    # IPv4-compatible, IPv4-translated, NAT64 (well-known prefix) and 6to4 spellings of
    # loopback and of private addresses; a Teredo one (never global) and NAT64 for local use.
    ["::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "2002:7f00:1::"]
    + ["::ffff:0:a00:5", "64:ff9b::c0a8:101", "2002:a9fe:a9fe::1", "::a00:5"]
    + ["2001:0:4136:e378:8000:63bf:80ff:fffe", "64:ff9b:1::a00:5"],
)
def test_an_ipv4_address_inside_an_ipv6_one_is_judged_as_itself(address):
    assert is_refused(address)


def test_a_site_local_ipv6_address_is_refused():
    assert is_refused("fec0::1")


@pytest.mark.parametrize("address", ["::93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1"])
def test_a_public_ipv4_address_inside_an_ipv6_one_is_allowed(address):
    assert not is_refused(address)


@pytest.mark.parametrize(
    "url",
    ["https://[::127.0.0.1]/", "https://[64:ff9b::7f00:1]/", "https://[::ffff:0:7f00:1]/"]
    + ["https://[2002:7f00:1::]/"],
)
def test_registration_refuses_ipv6_spellings_of_loopback(clock, engagement, carla, url):
    with pytest.raises(ValidationError) as refused:
        webhook_register(owner=carla, url=url, secret=SECRET, engagement=engagement)
    assert "url" in refused.value.message_dict
    assert not Webhook.objects.exists()
