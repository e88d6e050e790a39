"""The plan's figures in words, for templates."""

from django import template

from engagements.status.timeline import slip_label

register = template.Library()


@register.filter
def slip(days: int | None) -> str:
    """`plan.slip_days|slip`: "3 days late", "on plan", "2 days ahead" or "–"."""
    return slip_label(days)
