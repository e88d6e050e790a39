"""The catalogue's own audit chain: its events and the row that keeps its head."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogueEventKind(models.TextChoices):
    CREATED = "created", _("created an item")
    CHANGED = "changed", _("changed an item")
    DELETED = "deleted", _("deleted an item")
    RETIRED = "retired", _("retired an item")
    REACTIVATED = "reactivated", _("reactivated an item")
    LOADED = "loaded", _("loaded the shipped catalogue")
    PUBLISHED = "published", _("published a version")


class CatalogueAuditHead(models.Model):
    """The catalogue chain's length and last hash (one row); locking it serialises appends."""

    length = models.PositiveIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.length} events, head {self.head[:12]}"


class CatalogueEvent(models.Model):
    """An append-only record of one catalogue edit, hash-chained to the one before it."""

    sequence = models.PositiveIntegerField(unique=True)
    # PROTECT: the hash covers the actor, so an account that acted is deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=20, choices=CatalogueEventKind.choices)
    item_key = models.CharField(max_length=80, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("catalogue event")
        verbose_name_plural = _("catalogue audit trail")

    def __str__(self):
        return f"#{self.sequence} {self.get_kind_display()} {self.item_key}"

    def chain_payload(self) -> dict:
        return {
            "sequence": self.sequence,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "kind": self.kind,
            "item": self.item_key,
            "old": self.old_value,
            "new": self.new_value,
            "at": self.created_at.isoformat(),
        }
