"""The responsibility catalogue: what the customer and Microsoft each do, phase by phase.

The live rows are the draft that admins edit; publishing freezes them as a version
(`versions.py`). This app is the lower floor: it never imports from `engagements`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds

MAX_DEPTH = 3


class Party(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    MICROSOFT = "microsoft", _("Microsoft")


# Both parties, in the order every page and count lists them.
PARTIES = tuple(Party.values)


# A party named inside a sentence takes the article Portuguese gives it ("pelo cliente", "pela
# Microsoft"), so sentences take these phrases whole rather than the bare label.
def party_for(party: str) -> str:
    """ "for the customer" or "for Microsoft": on whose part something was done."""
    return str({Party.CUSTOMER: _("for the customer"), Party.MICROSOFT: _("for Microsoft")}[party])


def party_by(party: str) -> str:
    """ "by the customer" or "by Microsoft": who did something."""
    return str({Party.CUSTOMER: _("by the customer"), Party.MICROSOFT: _("by Microsoft")}[party])


class Service(models.TextChoices):
    AAD_PREMIUM = "aad_premium", _("Azure AD Premium")
    INTUNE = "intune", _("Microsoft Intune")
    AZURE_RMS = "azure_rms", _("Azure Rights Management")


class Section(models.TextChoices):
    """The Enable phase's sections on Microsoft's side: a core one, then one per service."""

    CORE = "core", _("Core infrastructure")
    AAD_PREMIUM = "aad_premium", _("Azure AD Premium")
    AAD_PREMIUM_FEATURES = "aad_premium_features", _("Azure AD Premium features")
    INTUNE = "intune", _("Microsoft Intune")
    AZURE_RMS = "azure_rms", _("Azure Rights Management")


SECTION_ORDER = {code: index for index, code in enumerate(Section.values)}


class Condition(models.TextChoices):
    """An engagement option that must hold for an item to apply."""

    MDM = "mdm", _("if MDM is in scope")
    MAM = "mam", _("if MAM is in scope")
    PC_MANAGEMENT = "pc_management", _("if PC management is in scope")
    FEDERATION = "federation", _("if the target is federated")
    SINGLE_FOREST = "single_forest", _("if there is a single forest")
    MULTIPLE_FORESTS = "multiple_forests", _("if there is more than one forest")
    SINGLE_FOREST_FEDERATED = (
        "single_forest_federated",
        _("if there is a single forest with a federated target"),
    )


def in_active_language(portuguese: str, english: str) -> str:
    """Pick the English text when English is active and it exists; Portuguese is the source."""
    if english and (get_language() or "").startswith("en"):
        return english
    return portuguese


class BilingualItem:
    """A catalogue item's words in the active language, for the draft item and the published
    one alike (both keep each text in Portuguese and English)."""

    @property
    def text(self) -> str:
        return in_active_language(self.text_pt, self.text_en)

    @property
    def note(self) -> str:
        return in_active_language(self.note_pt, self.note_en)

    @property
    def evidence_hint(self) -> str:
        return in_active_language(self.evidence_hint_pt, self.evidence_hint_en)


class PhaseManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Phase(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    goal_pt = models.TextField(_("goal (Portuguese)"))
    goal_en = models.TextField(_("goal (English)"))

    objects = PhaseManager()

    class Meta:
        ordering = ["order"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    @property
    def name(self) -> str:
        return in_active_language(self.name_pt, self.name_en)

    @property
    def goal(self) -> str:
        return in_active_language(self.goal_pt, self.goal_en)


class ResponsibilityQuerySet(models.QuerySet):
    def in_catalogue_order(self):
        """General items first, then phase by phase; customer before Microsoft; source order."""
        return self.select_related("phase").order_by(
            models.F("phase__order").asc(nulls_first=True), "party", "position", "key"
        )

    def applicable(self, *, services, conditions):
        """Active items whose service is in `services` and whose condition is in `conditions`.

        Sub-items of an item that does not apply are not filtered out here: callers that build
        the tree drop them with their parent.
        """
        return self.filter(
            is_active=True,
            service__in=[""] + list(services),
            condition__in=[""] + list(conditions),
        )


class ResponsibilityManager(models.Manager.from_queryset(ResponsibilityQuerySet)):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Responsibility(BilingualItem, models.Model):
    """One item of the catalogue; sub-items hang under a parent of the same party and phase."""

    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier, e.g. microsoft-habilitar-intune-05-b."),
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
        help_text=_("Empty for a general responsibility that holds for the whole engagement."),
    )
    section = models.CharField(_("section"), max_length=30, choices=Section.choices, blank=True)
    service = models.CharField(
        _("service"),
        max_length=20,
        choices=Service.choices,
        blank=True,
        help_text=_("Empty when the item applies whatever services are in scope."),
    )
    condition = models.CharField(
        _("condition"), max_length=30, choices=Condition.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent item"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveIntegerField(
        _("position"), help_text=_("Order within the party's list, parents before children.")
    )
    text_pt = models.TextField(_("text (Portuguese)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    note_pt = models.TextField(_("note (Portuguese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Retired items stay in the catalogue but are left out of new engagements."),
    )
    evidence_required = models.BooleanField(
        _("evidence required"),
        default=False,
        help_text=_("A task copied from this item cannot be marked done without evidence."),
    )
    evidence_hint_pt = models.TextField(
        _("what evidence (Portuguese)"),
        blank=True,
        max_length=bounds.NOTE_MAX_LENGTH,
        validators=bounds.multi_line(bounds.NOTE_MAX_LENGTH),
    )
    evidence_hint_en = models.TextField(
        _("what evidence (English)"),
        blank=True,
        max_length=bounds.NOTE_MAX_LENGTH,
        validators=bounds.multi_line(bounds.NOTE_MAX_LENGTH),
    )

    objects = ResponsibilityManager()

    class Meta:
        ordering = ["phase__order", "party", "position", "key"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        indexes = [models.Index(fields=["party", "position"])]

    def __str__(self):
        return f"{self.key}: {self.text_pt[:60]}"

    def natural_key(self):
        return (self.key,)

    natural_key.dependencies = ["responsibilities.phase"]

    def depth(self) -> int:
        """1 for a top-level item, 2 for a sub-item, 3 for a sub-sub-item."""
        depth, item = 1, self
        while item.parent_id is not None:
            depth, item = depth + 1, item.parent
        return depth

    def clean(self):
        errors = {}
        if self.section and (self.phase is None or self.phase.code != "habilitar"):
            errors["section"] = _("Only items of the Habilitar phase belong to a section.")
        if self.parent is not None:
            if self.parent.pk is not None and self.parent.pk == self.pk:
                errors["parent"] = _("An item cannot be its own parent.")
            elif (self.parent.party, self.parent.phase_id, self.parent.section) != (
                self.party,
                self.phase_id,
                self.section,
            ):
                errors["parent"] = _(
                    "A sub-item must have the same party, phase and section as its parent."
                )
            elif self.parent.depth() >= MAX_DEPTH:
                errors["parent"] = _("Items nest at most %(depth)d levels deep.") % {
                    "depth": MAX_DEPTH
                }
        errors.update(self._published_identity_errors())
        if errors:
            raise ValidationError(errors)

    def _published_identity_errors(self) -> dict:
        """Engagements know a published item by its key, and its tasks belong to its party:
        neither changes once a version holds the item (retire it and add another instead)."""
        published = self.versions.order_by("-pk").first() if self.pk else None
        errors = {}
        if published and published.key != self.key:
            errors["key"] = _(
                "A published item keeps its key (engagements know it by it): retire it and "
                "add a new item instead."
            )
        if published and published.party != self.party:
            errors["party"] = _(
                "A published item keeps its party: retire it and add a new item for the other "
                "party instead."
            )
        return errors
