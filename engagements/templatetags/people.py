"""Showing names people typed: bidi controls are dropped, so a name stored before input refused
them (say "Miguel" + U+202E + "gnp.exe") cannot make itself or the text after it display in
another order. A builtin (fasttrack/settings.py), so every template has it."""

from django import template

from fasttrack.bounds import without_bidi_controls

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, or their username when they have none; "" for no user."""
    if user is None:
        return ""
    return without_bidi_controls(user.get_full_name() or user.get_username())


@register.filter
def unbidi(value) -> str:
    return without_bidi_controls(str(value))
