"""Adaptive Cards for a Teams channel: what a Workflows webhook ("When a Teams webhook request is
received", then "Post card in a chat or channel") accepts, since Teams retired the connectors'
MessageCard.

Each card is written in the channel's language and time zone, the way the portal writes for
people (fasttrack/formatting.py): names of phases, parties and meeting kinds, never their codes;
dates and times in the language's style, never ISO; a link back to the portal. Texts people
typed are shown as text, not as the Markdown TextBlocks would read in them.
"""

import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.links import portal_link
from engagements.templatetags.people import waiting_on
from fasttrack.bounds import one_line, without_bidi_controls
from fasttrack.formatting import format_date, format_datetime
from responsibilities.models import Party

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# A channel reads a card at a glance: longer texts are cut, and a long list says how many more.
TEXT_LIMIT = 300
TASKS_SHOWN = 10
# What would turn typed text into emphasis, code or a link that says one thing and goes elsewhere.
_MARKDOWN = set("\\`*_[]")


def plain(value: str, limit: int = TEXT_LIMIT) -> str:
    """Typed text shown as typed: one line, cut to `limit`, Markdown's characters escaped."""
    text = Truncator(without_bidi_controls(one_line(value or ""))).chars(limit, truncate="…")
    return "".join(f"\\{char}" if char in _MARKDOWN else char for char in text)


@dataclass
class Card:
    """One card: the engagement it is about, a heading, an optional line, facts, a list."""

    customer: str
    heading: str
    link: str
    line: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    # Further links (title, https address) beside the one back to the portal.
    links: list[tuple[str, str]] = field(default_factory=list)

    def content(self) -> dict:
        body = [
            {"type": "TextBlock", "text": plain(self.customer), "isSubtle": True, "wrap": True},
            {
                "type": "TextBlock",
                "text": plain(self.heading),
                "weight": "bolder",
                "size": "medium",
                "wrap": True,
            },
        ]
        if self.line:
            body.append({"type": "TextBlock", "text": plain(self.line), "wrap": True})
        if self.facts:
            body.append(
                {
                    "type": "FactSet",
                    "facts": [{"title": plain(t, 80), "value": plain(v)} for t, v in self.facts],
                }
            )
        body += [{"type": "TextBlock", "text": f"• {item}", "wrap": True} for item in self.items]
        return {
            "$schema": CARD_SCHEMA,
            "type": "AdaptiveCard",
            "version": CARD_VERSION,
            "lang": translation.get_language(),
            "fallbackText": plain(f"{self.customer}: {self.heading}"),
            "body": body,
            "actions": [
                {"type": "Action.OpenUrl", "title": title, "url": url}
                for title, url in [(_("Open in the portal"), self.link), *self.links]
            ],
        }


def message(card: Card) -> str:
    """The body a Workflows webhook takes: a message with the card as its one attachment."""
    payload = {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card.content()}
        ],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def written_for(webhook, render, *args) -> str:
    """`render(*args)` as the channel reads: in its language and time zone."""
    with (
        translation.override(webhook.language or settings.LANGUAGE_CODE),
        timezone.override(webhook.time_zone or settings.TIME_ZONE),
    ):
        return message(render(*args))


def _party(code: str) -> str:
    return str(Party(code).label)


def reminder_card(checkpoint, minutes_before: int) -> Card:
    """A checkpoint's reminder, as its attendees are reminded by email."""
    when = format_datetime(checkpoint.starts_at)
    facts = [
        (_("Meeting"), checkpoint.get_kind_display()),
        (_("Phase"), checkpoint.phase.name),
        (_("Starts"), when),
        (_("Ends"), format_datetime(checkpoint.ends_at)),
    ]
    links = []
    if checkpoint.location.startswith("https://") and " " not in checkpoint.location:
        # A meeting link is a button, not text a reader would have to copy.
        links.append((_("Join the meeting"), checkpoint.location))
    elif checkpoint.location:
        facts.append((_("Place"), checkpoint.location))
    hours, minutes = divmod(minutes_before, 60)
    soon = (
        ngettext("In %(count)d minute.", "In %(count)d minutes.", minutes_before)
        % {"count": minutes_before}
        if minutes
        else ngettext("In %(count)d hour.", "In %(count)d hours.", hours) % {"count": hours}
    )
    return Card(
        customer=checkpoint.engagement.customer,
        heading=_("Reminder: %(title)s, %(when)s") % {"title": checkpoint.title, "when": when},
        line=soon,
        facts=facts,
        link=portal_link("checkpoint-detail", checkpoint.engagement_id, checkpoint.pk),
        links=links,
    )


def _phase_link(engagement_id: int, phase) -> str:
    return portal_link("engagement-detail", engagement_id) + f"#phase-{phase.code}"


def gate_ready_card(event, phase) -> Card:
    """The tick that finished a phase: both parties' managers are to sign it off."""
    return Card(
        customer=event.engagement.customer,
        heading=_("Every task of %(phase)s is done") % {"phase": phase.name},
        line=_("It awaits the sign-off of a manager of each party."),
        facts=[(_("Last task done by"), event.actor_name)],
        link=_phase_link(event.engagement_id, phase),
    )


_SIGNED_BY = {
    Party.CUSTOMER: lambda: _("%(name)s signed off %(phase)s for the customer"),
    Party.MICROSOFT: lambda: _("%(name)s signed off %(phase)s for Microsoft"),
}
_AWAITS = {
    Party.CUSTOMER: lambda: _("It awaits Microsoft's sign-off."),
    Party.MICROSOFT: lambda: _("It awaits the customer's sign-off."),
}


def gate_signed_card(event, phase) -> Card:
    """A sign-off: whose, and whether the phase is now closed or awaits the other party."""
    changes = event.changes
    facts = [(_("Signed"), format_datetime(event.created_at))]
    if changes.get("comment"):
        facts.append((_("Comment"), changes["comment"]))
    return Card(
        customer=event.engagement.customer,
        heading=_SIGNED_BY[changes["party"]]() % {"name": event.actor_name, "phase": phase.name},
        line=(
            _("Both parties have signed it off: the phase is closed.")
            if changes["closed"]
            else _AWAITS[changes["party"]]()
        ),
        facts=facts,
        link=_phase_link(event.engagement_id, phase),
    )


def gate_reopened_card(event, phase) -> Card:
    """A reopened phase: by whom, why, and whose sign-offs it withdrew."""
    withdrawn = ", ".join(_party(code) for code in event.changes["withdrawn"]) or "–"
    return Card(
        customer=event.engagement.customer,
        heading=_("%(name)s reopened %(phase)s") % {"name": event.actor_name, "phase": phase.name},
        line=_("Its tasks can change again; it must be signed off anew."),
        facts=[(_("Why"), event.reason or "–"), (_("Sign-offs withdrawn"), withdrawn)],
        link=_phase_link(event.engagement_id, phase),
    )


def mention_card(event, task) -> Card:
    """A comment that mentions members: who wrote it, whom it names, on which task."""
    names = ", ".join(mention["name"] for mention in event.changes["mentions"])
    return Card(
        customer=event.engagement.customer,
        heading=_("%(name)s mentioned %(people)s") % {"name": event.actor_name, "people": names},
        line=_("On “%(task)s”") % {"task": task.text},
        facts=[(_("Comment"), event.changes["body"])],
        link=portal_link("engagement-detail", event.engagement_id) + f"#task-{task.pk}",
    )


def overdue_card(engagement, tasks, became: datetime.date) -> Card:
    """The tasks of one engagement that became overdue on `became` (due the day before)."""
    count = len(tasks)
    items = []
    for task in tasks[:TASKS_SHOWN]:
        items.append(
            _("%(task)s (%(phase)s, due %(date)s, %(waiting)s)")
            % {
                "task": plain(task.text, 200),
                "phase": task.phase.name,
                "date": format_date(task.due_date),
                "waiting": plain(waiting_on(task), 120),
            }
        )
    if count > TASKS_SHOWN:
        more = count - TASKS_SHOWN
        items.append(ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more})
    return Card(
        customer=engagement.customer,
        heading=ngettext(
            "%(count)d task became overdue today",
            "%(count)d tasks became overdue today",
            count,
        )
        % {"count": count},
        line=_("They were due on %(date)s and are still open.")
        % {"date": format_date(became - datetime.timedelta(days=1))},
        items=items,
        link=portal_link("engagement-detail", engagement.pk) + "?due=overdue",
    )
