"""{{ event|change_text }}: what an audit event changed, in the reader's language and time."""

from django import template

from engagements.activity.text import event_change_text

register = template.Library()


@register.filter
def change_text(event) -> str:
    return event_change_text(event)
