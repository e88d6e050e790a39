"""Showing names people typed: bidi controls are dropped, so a name stored before input refused
them (say "Miguel" + U+202E + "gnp.exe") cannot make itself or the text after it display in
another order. A builtin (fasttrack/settings.py), so every template has it."""

import unicodedata

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, normalize_newlines
from django.utils.translation import gettext as _

from fasttrack import formatting
from fasttrack.bounds import without_bidi_controls
from responsibilities.models import party_for

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, or their username when they have none; "" for no user."""
    if user is None:
        return ""
    return without_bidi_controls(user.get_full_name() or user.get_username())


@register.filter
def for_party(party: str) -> str:
    """`sign_off.party|for_party`: "for the customer", with the article a sentence needs."""
    return party_for(party)


@register.filter
def of_party(members_by_party: dict, party: str) -> list:
    """`owner_choices|of_party:task.party`: the people who may own that party's tasks."""
    return members_by_party.get(party, [])


@register.filter
def waiting_on(task) -> str:
    """Whom an open task waits on: its owner and their party, or the party alone."""
    if task.owner_id:
        return _("waiting on %(name)s (%(party)s)") % {
            "name": person(task.owner),
            "party": task.get_party_display(),
        }
    return _("waiting on the customer") if task.party == "customer" else _("waiting on Microsoft")


@register.filter
def shorten(value, length) -> str:
    """A long text cut to `length` characters, ending in "…". Django's truncatechars takes its
    ellipsis pattern from the active language, and Brazilian Portuguese's puts a space before
    the text."""
    text = unicodedata.normalize("NFC", str(value))
    # Most texts fit: Truncator counts them character by character to find that out.
    if len(text) <= int(length):
        return text
    return Truncator(text).chars(int(length), truncate="…")


@register.filter
def unbidi(value) -> str:
    return without_bidi_controls(str(value))


@register.filter
def comment_html(comment) -> str:
    """A comment's text with line breaks, each member it mentions highlighted (the places kept
    when it was written), everything else escaped."""
    body, pieces, at = comment.body, [], 0
    for start, length in comment.mention_spans:
        pieces.append(conditional_escape(body[at:start]))
        pieces.append(
            f'<strong class="mention">{conditional_escape(body[start : start + length])}</strong>'
        )
        at = start + length
    pieces.append(conditional_escape(body[at:]))
    return mark_safe(normalize_newlines("".join(pieces)).replace("\n", "<br>"))


@register.filter
def zone_name(key: str) -> str:
    """`TIME_ZONE|zone_name`: "Brasilia Time (São Paulo)", not "America/Sao_Paulo"."""
    return formatting.zone_name(str(key))
