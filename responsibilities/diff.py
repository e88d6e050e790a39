"""What changed between two versions of the catalogue, or between the last version and the
draft, told so that an admin who does not know the data model can read it: which items were
added, reworded (in either language), retired, moved, or given other conditions."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .models import (
    CatalogueVersion,
    Condition,
    Party,
    Phase,
    Responsibility,
    Section,
    Service,
    in_active_language,
)
from .publishing import draft_items, latest_version, version_items


class ChangeKind(models.TextChoices):
    ADDED = "added", pgettext_lazy("catalogue change", "added")
    REMOVED = "removed", pgettext_lazy("catalogue change", "deleted from the catalogue")
    RETIRED = "retired", pgettext_lazy("catalogue change", "retired")
    REACTIVATED = "reactivated", pgettext_lazy("catalogue change", "back in use")
    REWORDED = "reworded", pgettext_lazy("catalogue change", "reworded")
    MOVED = "moved", pgettext_lazy("catalogue change", "moved")
    CONDITIONS = "conditions", pgettext_lazy("catalogue change", "conditions changed")
    EVIDENCE = "evidence", pgettext_lazy("catalogue change", "evidence rule changed")
    REORDERED = "reordered", pgettext_lazy("catalogue change", "reordered in its list")


# Each frozen field (but the key, the party and the active flag) and the kind of change it makes.
KIND_OF_FIELD = {
    "text_pt": ChangeKind.REWORDED,
    "text_en": ChangeKind.REWORDED,
    "note_pt": ChangeKind.REWORDED,
    "note_en": ChangeKind.REWORDED,
    "phase_code": ChangeKind.MOVED,
    "section": ChangeKind.MOVED,
    "parent_key": ChangeKind.MOVED,
    "service": ChangeKind.CONDITIONS,
    "condition": ChangeKind.CONDITIONS,
    "evidence_required": ChangeKind.EVIDENCE,
    "evidence_hint_pt": ChangeKind.EVIDENCE,
    "evidence_hint_en": ChangeKind.EVIDENCE,
    "position": ChangeKind.REORDERED,
}
_MODEL_FIELD = {"phase_code": "phase", "parent_key": "parent"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class ItemChange:
    """One item's change: its fields before and after (None where it did not exist), the kinds
    of change, and each changed field told as words."""

    key: str
    old: dict | None
    new: dict | None
    kinds: list[str]
    fields: list[FieldChange]

    @property
    def current(self) -> dict:
        return self.new or self.old

    @property
    def text(self) -> str:
        return in_active_language(self.current["text_pt"], self.current["text_en"])

    @property
    def party_label(self) -> str:
        return str(Party(self.current["party"]).label)

    @property
    def kind_labels(self) -> list[str]:
        return [str(ChangeKind(kind).label) for kind in self.kinds]


def shown_value(name: str, value, phase_names: dict[str, str]) -> str:
    """A frozen value in words: phase names, service and condition labels, yes or no."""
    if name == "phase_code":
        return phase_names.get(value, value) if value else _("general (no phase)")
    if name == "section":
        return str(Section(value).label) if value else "–"
    if name == "service":
        return str(Service(value).label) if value else _("any service")
    if name == "condition":
        return str(Condition(value).label) if value else _("always")
    if name == "parent_key":
        return value or _("none (a top-level item)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value != "" else "–"


def field_label(name: str) -> str:
    """A frozen field's name for people (the draft item's field it froze)."""
    return str(Responsibility._meta.get_field(_MODEL_FIELD.get(name, name)).verbose_name)


def _kinds(old: dict | None, new: dict | None) -> list[str]:
    if old is None:
        return [ChangeKind.ADDED]
    if new is None:
        return [ChangeKind.REMOVED]
    kinds = []
    if old["is_active"] != new["is_active"]:
        kinds.append(ChangeKind.RETIRED if old["is_active"] else ChangeKind.REACTIVATED)
    for name, kind in KIND_OF_FIELD.items():
        if old[name] != new[name] and kind not in kinds:
            kinds.append(kind)
    # A new position alongside other changes says nothing an admin needs to read.
    if len(kinds) > 1 and ChangeKind.REORDERED in kinds:
        kinds.remove(ChangeKind.REORDERED)
    return kinds


def catalogue_changes(before: dict[str, dict], after: dict[str, dict]) -> list[ItemChange]:
    """Every item that differs between two sets of frozen items (by key), in catalogue order,
    deleted items last (one query, for the phases)."""
    phases = list(Phase.objects.all())
    orders = {phase.code: phase.order for phase in phases}
    names = {phase.code: phase.name for phase in phases}
    changes = []
    for key in after.keys() | before.keys():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kinds = _kinds(old, new)
        fields = [
            FieldChange(
                label=field_label(name),
                old=shown_value(name, old[name], names),
                new=shown_value(name, new[name], names),
            )
            for name in KIND_OF_FIELD
            if old and new and old[name] != new[name] and KIND_OF_FIELD[name] in kinds
        ]
        changes.append(ItemChange(key=key, old=old, new=new, kinds=kinds, fields=fields))

    def order(change):
        item = change.current
        return (
            change.new is None,
            orders.get(item["phase_code"], -1),
            item["party"],
            item["position"],
            change.key,
        )

    return sorted(changes, key=order)


def frozen(version: CatalogueVersion | None) -> dict[str, dict]:
    return {key: item.frozen() for key, item in version_items(version).items()}


def previous_version(version: CatalogueVersion) -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(number__lt=version.number).latest_first().first()


def version_changes(version: CatalogueVersion) -> list[ItemChange]:
    """What the version changed against the one before it (everything, for the first)."""
    return catalogue_changes(frozen(previous_version(version)), frozen(version))


def draft_changes() -> list[ItemChange]:
    """What publishing now would change against the last version."""
    draft = {key: values for key, (_pk, values) in draft_items().items()}
    return catalogue_changes(frozen(latest_version()), draft)


def change_counts(changes: list[ItemChange]) -> list[tuple[str, int]]:
    """How many items of each kind changed, in ChangeKind's order, for a summary line."""
    counts = dict.fromkeys(ChangeKind.values, 0)
    for change in changes:
        for kind in change.kinds:
            counts[kind] += 1
    return [(str(ChangeKind(kind).label), count) for kind, count in counts.items() if count]


# Each text an item has in both languages: its Portuguese field and its English one.
LANGUAGE_PAIRS = [
    ("text_pt", "text_en"),
    ("note_pt", "note_en"),
    ("evidence_hint_pt", "evidence_hint_en"),
]


@dataclass
class StaleText:
    """A text reworded in one language only: the other may still say what the old one did."""

    change: ItemChange
    reworded: str  # the field changed, told as its label ("text (Portuguese)")
    stale: str  # the field left as it was ("text (English)")


def stale_texts(changes: list[ItemChange]) -> list[StaleText]:
    """The texts reworded in one language while the other, which has words, stayed the same."""
    stale = []
    for change in changes:
        if change.old is None or change.new is None:
            continue
        for pt, en in LANGUAGE_PAIRS:
            changed = {name for name in (pt, en) if change.old[name] != change.new[name]}
            if len(changed) != 1:
                continue
            (reworded,) = changed
            other = en if reworded == pt else pt
            if change.new[other]:
                stale.append(
                    StaleText(
                        change=change, reworded=field_label(reworded), stale=field_label(other)
                    )
                )
    return stale
