"""Published versions of the catalogue: each freezes every item as it stood, so an engagement
can say which version its tasks came from and a newer one can be compared with it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds

from .items import BilingualItem, Condition, Party, Responsibility, Section, Service

# What a task copies from an item, and where the item stands: the fields a version freezes.
FROZEN_FIELDS = [
    "key",
    "party",
    "phase_code",
    "section",
    "service",
    "condition",
    "parent_key",
    "position",
    "text_pt",
    "text_en",
    "note_pt",
    "note_en",
    "is_active",
    "evidence_required",
    "evidence_hint_pt",
    "evidence_hint_en",
]
# The frozen fields a draft item holds as links, by the draft's names for them: a version keeps
# the phase by its code and the parent by its key.
DRAFT_LINKS = {"phase_code": "phase", "parent_key": "parent"}


class VersionSource(models.TextChoices):
    PUBLISHED = "published", _("published in the admin")
    LOADED = "loaded", _("the shipped catalogue, loaded")
    MIGRATED = "migrated", _("the catalogue as it stood when versions began")


class CatalogueVersionQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-number")


class CatalogueVersion(models.Model):
    """Version N of the catalogue: its items (`items`) never change once it is published."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.TextField(
        _("change note"),
        blank=True,
        max_length=bounds.NOTE_MAX_LENGTH,
        validators=bounds.multi_line(bounds.NOTE_MAX_LENGTH),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=VersionSource.choices, default=VersionSource.PUBLISHED
    )
    published_at = models.DateTimeField(_("published"))
    # PROTECT: the catalogue's trail names who published, so the account is deactivated.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    items = models.ManyToManyField("ResponsibilityVersion", related_name="versions")

    objects = CatalogueVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self):
        return _("version %(number)d") % {"number": self.number}

    @property
    def description(self) -> str:
        """The change note, or where the version came from when it has none."""
        return self.note or str(self.get_source_display())


class ResponsibilityVersion(BilingualItem, models.Model):
    """One item as a version froze it. A later version that leaves the item unchanged holds
    the same row, so a task's `item_version` says exactly which wording it was copied from."""

    # SET_NULL: an unused item may still be deleted from the draft; its published record stays.
    responsibility = models.ForeignKey(
        Responsibility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="versions",
    )
    key = models.SlugField(_("key"), max_length=80)
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    # The phase's code, as the parent is kept by its key: a version names what it froze.
    phase_code = models.SlugField(_("phase"), max_length=20, blank=True)
    section = models.CharField(_("section"), max_length=30, choices=Section.choices, blank=True)
    service = models.CharField(_("service"), max_length=20, choices=Service.choices, blank=True)
    condition = models.CharField(
        _("condition"), max_length=30, choices=Condition.choices, blank=True
    )
    parent_key = models.SlugField(_("parent item"), max_length=80, blank=True)
    position = models.PositiveIntegerField(_("position"))
    text_pt = models.TextField(_("text (Portuguese)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    note_pt = models.TextField(_("note (Portuguese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    evidence_hint_pt = models.TextField(_("what evidence (Portuguese)"), blank=True)
    evidence_hint_en = models.TextField(_("what evidence (English)"), blank=True)

    class Meta:
        ordering = ["key", "pk"]
        verbose_name = _("published item")
        verbose_name_plural = _("published items")
        indexes = [models.Index(fields=["key"])]

    def __str__(self):
        return f"{self.key}: {self.text_pt[:60]}"

    def frozen(self) -> dict:
        return {name: getattr(self, name) for name in FROZEN_FIELDS}

    def catalogue_order(self, phase_orders: dict[str, int]) -> tuple:
        """General items first, then phase by phase; customer before Microsoft; source order
        (as ResponsibilityQuerySet.in_catalogue_order)."""
        return (phase_orders.get(self.phase_code, -1), self.party, self.position, self.key)


def frozen_values(item: Responsibility) -> dict:
    """A draft item's fields as a version would freeze them (its phase and parent joined)."""
    values = {name: getattr(item, name) for name in FROZEN_FIELDS if name not in DRAFT_LINKS}
    values["phase_code"] = item.phase.code if item.phase_id else ""
    values["parent_key"] = item.parent.key if item.parent_id else ""
    return values
