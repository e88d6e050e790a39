"""Attacks the portal must hold against: forged requests, injected HTML, other engagements'
addresses, viewers writing, random input, brute-forced logins."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.services import access_token_create
from engagements.gates.evidence import evidence_add_link
from engagements.models import (
    ActivityEvent,
    Checkpoint,
    Engagement,
    Membership,
    Role,
    ShareLink,
    TaskComment,
    TaskEvidence,
)
from engagements.services.members import member_invite
from engagements.services.share_links import share_link_create
from engagements.services.tasks import task_set_done, task_set_note
from responsibilities.models import Party, Phase

from .factories import PASSWORD, make_checkpoint

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def state(engagement):
    """Everything a write could change, to compare before and after an attack."""
    return (
        ActivityEvent.objects.filter(engagement=engagement).count(),
        Checkpoint.objects.filter(engagement=engagement).count(),
        Membership.objects.filter(engagement=engagement).count(),
        ShareLink.objects.filter(engagement=engagement, revoked_at__isnull=True).count(),
        list(engagement.tasks.values_list("done", "note", "due_date").order_by("pk")),
        TaskEvidence.objects.filter(task__engagement=engagement).count(),
        TaskComment.objects.filter(task__engagement=engagement).count(),
    )


@pytest.fixture
def targets(engagement, carla, vera):
    """One of each object of the engagement, for addressing every URL."""
    start = timezone.now() + datetime.timedelta(days=5)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title="Chamada",
        starts_at=start,
        attendees=[carla],
    )
    link, token = share_link_create(
        engagement=engagement,
        user=carla,
        label="Diretoria",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    return {
        "engagement": engagement,
        "task": task,
        "evidence": evidence_add_link(task=task, user=carla, url="https://example.com/plan"),
        "checkpoint": checkpoint,
        "link": link,
        "token": token,
        "membership": Membership.objects.get(engagement=engagement, user=vera),
    }


def checkpoint_form():
    start = timezone.localtime() + datetime.timedelta(days=3)
    return {
        "title": "Nova",
        "kind": "checkpoint_call",
        "phase": Phase.objects.get(code="corrigir").pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }


# Every address of an engagement: (url name, its arguments, data for a write or None).
def engagement_urls(t):
    e, task, checkpoint = t["engagement"].pk, t["task"].pk, t["checkpoint"].pk
    return {
        "engagement-detail": ([e], None),
        "engagement-dashboard": ([e], None),
        "engagement-status-report": ([e], None),
        "engagement-members": ([e], {"email": "x@example.com", "name": "X", "role": "viewer"}),
        "member-remove": ([e, t["membership"].pk], {}),
        "engagement-share-links": (
            [e],
            {"label": "L", "expires_on": timezone.localdate() + datetime.timedelta(days=3)},
        ),
        "share-link-revoke": ([e, t["link"].pk], {}),
        "engagement-audit": ([e], None),
        "engagement-audit-csv": ([e], None),
        "task-set-done": ([e, task], {"done": "1"}),
        "task-set-note": ([e, task], {"note": "hacked"}),
        "task-set-due-date": (
            [e, task],
            {"due_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
        ),
        "task-add": (
            [e],
            {
                "party": "customer",
                "phase": t["task"].phase_id,
                "text": "hacked",
                "language": "pt-br",
            },
        ),
        "tasks-bulk": ([e], {"action": "done", "tasks": [task]}),
        "task-confirm": ([e, task], {}),
        "gate-sign": ([e, "iniciar"], {"party": "customer"}),
        "gate-reopen": ([e, "iniciar"], {"reason": "hacked"}),
        "general-acknowledge": ([e], {"party": "customer"}),
        "task-set-owner": ([e, task], {"owner": t["task"].engagement.memberships.first().user_id}),
        "checkpoint-new": ([e], checkpoint_form()),
        "checkpoint-detail": ([e, checkpoint], None),
        "checkpoint-edit": ([e, checkpoint], checkpoint_form()),
        "checkpoint-cancel": ([e, checkpoint], {}),
        "checkpoint-calendar": ([e, checkpoint], None),
        "checkpoint-brief": ([e, checkpoint], {"summary": "hacked"}),
        "engagement-plan": ([e], {"reason": "hacked"}),
        "evidence-add": ([e, task], {"url": "https://example.com/other"}),
        "evidence-download": ([e, task, t["evidence"].pk], None),
        "comment-add": ([e, task], {"body": "olá"}),
        "mention-suggestions": ([e], None),
        "engagement-catalogue": ([e], {"version": 1, "plan": "0" * 64, "items": []}),
        "engagement-scope": ([e], {"intune": "on", "licence_count": 900, "plan": "0" * 64}),
    }


# Viewers discuss their engagement's tasks: the one write they may make.
VIEWER_WRITES = {"comment-add"}


# Addresses that belong to no one engagement.
GLOBAL_URLS = {
    "engagement-list",
    "my-work",
    "my-work-count",
    "landing",
    "profile",
    "notification-preferences",
    "integrations",
    "language-switch",
    "portfolio",
    "portfolio-matrix",
    "portfolio-summary",
    "portfolio-csv",
    "portfolio-xlsx",
    "shared-dashboard",
    "calendar-feed",
    "calendar-feed-renew",
    "calendar-feed-revoke",
    "webhooks",
    "webhook-detail",
    "webhook-delete",
    "access-token-create",
    "access-token-revoke",
    # Signed and without CSRF on purpose (a mail client's one-click POST): test_mail_headers.py.
    "unsubscribe",
    # Accepting an invitation (signed token, no session needed): test_sign_in_microsoft.py.
    "invitation",
    "invitation-accept",
}


def test_every_address_is_covered_by_these_tests(targets):
    names = {
        pattern.name
        for urlconf in (
            "engagements.urls",
            "reports.urls",
            "webhooks.urls",
            "accounts.urls",
            "notifications.urls",
        )
        for pattern in get_resolver(urlconf).url_patterns
        if getattr(pattern, "name", None)
    }
    assert names == set(engagement_urls(targets)) | GLOBAL_URLS


def test_every_post_without_a_csrf_token_is_refused(carla, targets):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carla)
    before = state(targets["engagement"])
    writes = [(name, args, data) for name, (args, data) in engagement_urls(targets).items()]
    writes += [("profile", [], {"language": "en", "time_zone": "UTC"})]
    writes += [("notification-preferences", [], {"mention": "never"})]
    expires_on = timezone.localdate() + datetime.timedelta(days=30)
    access_token, _token = access_token_create(
        user=carla, name="script", access="read", expires_on=expires_on
    )
    writes += [
        ("access-token-create", [], {"name": "x", "access": "read", "expires_on": expires_on}),
        ("access-token-revoke", [access_token.pk], {}),
    ]
    for name, args, data in writes:
        response = client.post(reverse(name, args=args), data or {})
        assert response.status_code == 403, name
    assert client.post(reverse("logout")).status_code == 403
    assert state(targets["engagement"]) == before


def test_a_member_of_another_engagement_gets_404_everywhere(otto, other_engagement, targets):
    client = Client()
    client.force_login(otto)
    before = state(targets["engagement"])
    for name, (args, data) in engagement_urls(targets).items():
        url = reverse(name, args=args)
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, data or {}).status_code == 404, name
    # Engagement B's address with engagement A's objects in it: still nothing.
    # (A phase code belongs to the catalogue, not to engagement A: only ids are tried.)
    for name, (args, data) in engagement_urls(targets).items():
        if len(args) == 2 and isinstance(args[1], int):
            url = reverse(name, args=[other_engagement.pk, args[1]])
            assert client.post(url, data or {}).status_code in (403, 404), name
    assert state(targets["engagement"]) == before


def test_a_viewer_s_every_write_is_refused(vera, targets):
    client = Client()
    client.force_login(vera)
    before = state(targets["engagement"])
    for name, (args, data) in engagement_urls(targets).items():
        if data is not None and name not in VIEWER_WRITES:
            assert client.post(reverse(name, args=args), data).status_code == 403, name
    assert state(targets["engagement"]) == before


def test_html_in_every_free_text_field_is_shown_escaped(client, carla, miguel, targets):
    engagement, task = targets["engagement"], targets["task"]
    Engagement.objects.filter(pk=engagement.pk).update(customer=f"Contoso {SCRIPT}")
    miguel.first_name = SCRIPT
    miguel.save()
    task_set_note(task=task, user=miguel, note=SCRIPT)
    task_set_done(task=task, user=carla, done=True)
    task_set_done(task=task, user=carla, done=False, reason=SCRIPT)
    start = timezone.now() + datetime.timedelta(days=2)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        phase="avaliar",
        title=SCRIPT,
        starts_at=start,
        location=SCRIPT,
        agenda=SCRIPT,
        attendees=[carla, miguel],
    )
    share_link_create(
        engagement=engagement,
        user=carla,
        label=SCRIPT,
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(carla)
    e = engagement.pk
    pages = [
        reverse("engagement-list"),
        reverse("engagement-detail", args=[e]),
        reverse("engagement-dashboard", args=[e]),
        reverse("engagement-members", args=[e]),
        reverse("engagement-audit", args=[e]),
        reverse("engagement-share-links", args=[e]),
        reverse("engagement-catalogue", args=[e]),
        reverse("engagement-scope", args=[e]),
        reverse("checkpoint-detail", args=[e, checkpoint.pk]),
        reverse("portfolio"),
        reverse("portfolio-matrix"),
        reverse("portfolio-summary"),
        reverse("my-work"),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert SCRIPT not in html, page
    # Carla's standing commitments wait on her acknowledgement: My work names the customer.
    assert ESCAPED in client.get(reverse("my-work")).content.decode()
    detail = client.get(reverse("checkpoint-detail", args=[e, checkpoint.pk])).content.decode()
    assert ESCAPED in detail


def test_pages_carry_a_content_security_policy_without_inline_script(client, carla, engagement):
    client.force_login(carla)
    policy = client.get(reverse("engagement-detail", args=[engagement.pk]))[
        "Content-Security-Policy"
    ]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


FORMS = {
    "task-set-done": ["done", "reason"],
    "task-set-note": ["note"],
    "task-set-due-date": ["due_date"],
    "checkpoint-new": [
        "title",
        "kind",
        "phase",
        "starts_at",
        "ends_at",
        "location",
        "agenda",
        "attendees",
    ],
    "engagement-members": ["email", "name", "role"],
    "engagement-share-links": ["label", "expires_on"],
    "checkpoint-edit": [
        "title",
        "kind",
        "phase",
        "starts_at",
        "ends_at",
        "location",
        "agenda",
        "attendees",
    ],
}


@pytest.mark.parametrize(
    "name, fields",
    [("login", ["username", "password", "next"]), ("language-switch", ["language", "next"])],
)
def test_random_input_to_the_public_forms_never_breaks_the_server(db, name, fields):
    client = Client(raise_request_exception=False)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.dictionaries(st.sampled_from(fields), st.text(max_size=200)))
    def post(data):
        assert client.post(reverse(name), data).status_code < 500

    post()


@pytest.mark.parametrize("name", list(FORMS))
def test_random_input_to_every_form_never_breaks_the_server(carla, targets, name):
    client = Client(raise_request_exception=False)
    client.force_login(carla)
    engagement, task = targets["engagement"], targets["task"]
    if name.startswith("task-"):
        args = [engagement.pk, task.pk]
    elif name == "checkpoint-edit":
        args = [engagement.pk, targets["checkpoint"].pk]
    else:
        args = [engagement.pk]
    url = reverse(name, args=args)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.dictionaries(st.sampled_from(FORMS[name]), st.text(max_size=300)))
    def post(data):
        assert client.post(url, data).status_code < 500
        assert client.post(url, data, headers={"HX-Request": "true"}).status_code < 500

    post()


def test_random_portfolio_filters_never_break_the_server(ada, engagement):
    client = Client(raise_request_exception=False)
    client.force_login(ada)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.dictionaries(
            st.sampled_from(["q", "phase", "service", "at_risk", "sort", "page"]),
            st.text(max_size=50),
        )
    )
    def browse(query):
        for name in [
            "portfolio",
            "portfolio-matrix",
            "portfolio-summary",
            "portfolio-csv",
            "portfolio-xlsx",
        ]:
            assert client.get(reverse(name), query).status_code < 500

    browse()


def test_random_profiles_never_break_the_server(carla):
    client = Client(raise_request_exception=False)
    client.force_login(carla)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.dictionaries(st.sampled_from(["language", "time_zone"]), st.text(max_size=60)))
    def post(data):
        assert client.post(reverse("profile"), data).status_code < 500

    post()


def test_random_notification_preferences_never_break_the_server(carla):
    client = Client(raise_request_exception=False)
    client.force_login(carla)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.dictionaries(
            st.sampled_from(["digest", "mention", "invitation", "checkpoint_reminder", "x"]),
            st.text(max_size=20) | st.sampled_from(["email", "digest", "never"]),
        )
    )
    def post(data):
        assert client.post(reverse("notification-preferences"), data).status_code < 500

    post()


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_failed_logins_lock_the_username_out(client, carla, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "carla", "wrong", address=f"198.51.100.{_}")
    response = log_in(client, "carla", PASSWORD, address="198.51.100.200")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failed_logins_lock_the_address_out(client, carla, settings):
    for index in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"nobody{index}", "wrong")
    response = log_in(client, "carla", PASSWORD)
    assert response.status_code == 429
    elsewhere = log_in(Client(), "carla", PASSWORD, address="192.0.2.55")
    assert elsewhere.status_code == 302


def test_logging_in_as_another_account_leaves_the_failures_against_a_name(
    client, carla, otto, settings
):
    """An attacker's own account must not buy fresh guesses at someone else's password."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "carla", "wrong").status_code == 200
    assert log_in(client, "otto", PASSWORD).status_code == 302
    assert log_in(client, "carla", "wrong").status_code == 429
    elsewhere = log_in(Client(), "carla", PASSWORD, address="192.0.2.55")
    assert elsewhere.status_code == 429


def test_logging_in_clears_the_account_s_own_failures(client, carla, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "carla", "wrong")
    assert log_in(client, "carla", PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(Client(), "carla", "wrong").status_code == 200
    assert log_in(Client(), "carla", PASSWORD).status_code == 302


def test_the_lockout_ends(client, carla, settings, time_machine):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "carla", "wrong")
    time_machine.move_to(timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(1))
    assert log_in(client, "carla", PASSWORD).status_code == 302


def test_password_reset_by_email(client, carla):
    client.post(reverse("password_reset"), {"email": "carla@example.com"})
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-much-better-passphrase", "new_password2": "a-much-better-passphrase"},
    )
    assert response.status_code == 302
    assert log_in(Client(), "carla", "a-much-better-passphrase").status_code == 302


def test_weak_passwords_are_refused_on_reset(client, carla):
    client.post(reverse("password_reset"), {"email": "carla@example.com"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_sessions_expire(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_deploy_checks_pass_with_production_settings():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "fasttrack.settings",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "production-like-secret-with-enough-variety-0123456789",
            "ALLOWED_HOSTS": "portal.example.com",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_invited_person_without_a_password_can_ask_for_a_link(client, carla, engagement):
    member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="nova@example.com",
        name="Nova Pessoa",
        role=Role.VIEWER,
    )
    client.post(reverse("password_reset"), {"email": "NOVA@example.com"})
    (message,) = mail.outbox
    assert message.to == ["nova@example.com"] and "/accounts/reset/" in message.body


def test_csv_downloads_do_not_carry_formulas(client, carla, engagement):
    # The audit CSV tells a share link's change as its label first.
    share_link_create(
        engagement=engagement,
        user=carla,
        label='=HYPERLINK("http://evil.example","x")',
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    Engagement.objects.filter(pk=engagement.pk).update(customer="@Fabrikam")
    client.force_login(carla)
    audit = b"".join(
        client.get(reverse("engagement-audit-csv", args=[engagement.pk])).streaming_content
    ).decode()
    assert "'=HYPERLINK" in audit and ";=HYPERLINK" not in audit
    portfolio = b"".join(client.get(reverse("portfolio-csv")).streaming_content).decode()
    assert "'@Fabrikam" in portfolio


# Starts a spreadsheet also reads as a formula: full-width signs, and a sign behind a tab, a
# carriage return or an invisible character.
FORMULA_LOOKALIKES = [
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\u200b=1+1",
    "\u200c+1",
    "\u200d-1",
    "\u2060@SUM(A1)",
    "\ufeff=1+1",
]


@pytest.mark.parametrize("cell", FORMULA_LOOKALIKES)
def test_spreadsheet_formula_lookalikes_are_defused(client, carla, engagement, cell):
    Engagement.objects.filter(pk=engagement.pk).update(customer=cell)
    client.force_login(carla)
    portfolio = b"".join(client.get(reverse("portfolio-csv")).streaming_content).decode()
    assert f"'{cell}" in portfolio


def test_a_plain_cell_is_not_prefixed(client, carla, engagement):
    client.force_login(carla)
    portfolio = b"".join(client.get(reverse("portfolio-csv")).streaming_content).decode()
    assert portfolio.splitlines()[1].startswith("Fabrikam;")


def test_a_stored_name_with_a_bidi_override_does_not_reorder_the_page(
    client, carla, miguel, engagement
):
    """Names with bidi controls are refused now; one stored before must not display reordered."""
    miguel.first_name = "Miguel\u202egnp.exe"
    miguel.save()
    task = engagement.tasks.filter(party=Party.MICROSOFT, phase__isnull=False).first()
    task_set_note(task=task, user=miguel, note="ok")
    task_set_done(task=task, user=miguel, done=True)
    make_checkpoint(
        engagement,
        carla,
        starts_at=timezone.now() + datetime.timedelta(days=5),
        attendees=[miguel],
    )
    client.force_login(carla)
    e = engagement.pk
    checkpoint = Checkpoint.objects.get()
    pages = [
        reverse("engagement-detail", args=[e]),
        reverse("engagement-members", args=[e]),
        reverse("engagement-audit", args=[e]),
        reverse("engagement-dashboard", args=[e]),
        reverse("checkpoint-detail", args=[e, checkpoint.pk]),
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert "\u202e" not in html, page
        assert "Miguelgnp.exe" in html, page
