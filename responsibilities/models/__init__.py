"""The catalogue's models: the items (the draft), their published versions, and the audit
chain."""

from .audit import CatalogueAuditHead, CatalogueEvent, CatalogueEventKind
from .items import (
    MAX_DEPTH,
    PARTIES,
    SECTION_ORDER,
    Condition,
    Party,
    Phase,
    PhaseManager,
    Responsibility,
    ResponsibilityManager,
    ResponsibilityQuerySet,
    Section,
    Service,
    in_active_language,
    party_by,
    party_for,
)
from .versions import (
    DRAFT_LINKS,
    FROZEN_FIELDS,
    CatalogueVersion,
    ResponsibilityVersion,
    VersionSource,
    frozen_values,
)

__all__ = [
    "DRAFT_LINKS",
    "FROZEN_FIELDS",
    "MAX_DEPTH",
    "SECTION_ORDER",
    "CatalogueAuditHead",
    "CatalogueEvent",
    "CatalogueEventKind",
    "CatalogueVersion",
    "Condition",
    "PARTIES",
    "Party",
    "Phase",
    "PhaseManager",
    "Responsibility",
    "ResponsibilityManager",
    "ResponsibilityQuerySet",
    "ResponsibilityVersion",
    "Section",
    "Service",
    "VersionSource",
    "frozen_values",
    "in_active_language",
    "party_by",
    "party_for",
]
