"""The Microsoft Graph v1.0 types the Graph stand-in serves, as Graph's published metadata (CSDL)
declares them, and the check that an answer of the stand-in has their shape.

The metadata is a 3.5 MB XML file in microsoftgraph/msgraph-metadata
(clean_v10_metadata/cleanMetadata.xml); what the stand-in needs of it (about 30 entity types with
their base types, the complex types and enumerations their properties use, and the derived types
an `@odata.type` may name) is extracted into a small JSON file:

    python -m tests.graph_types path/to/cleanMetadata.xml [out.json]

The check (`Shapes.problems`) walks a JSON value against a type: every property exists on the
type (or on the derived type its `@odata.type` names), a non-nullable property is not null,
primitives have their JSON form, enumeration values are members, and nested values are checked
against their own types.
"""

import datetime
import json
import os
import re
import sys
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
GRAPH = "microsoft.graph."
# The entity types the stand-in's routes answer with (and those an `@odata.type` in its answers
# names); the rest follows from them.
ROOTS = [
    "organization",
    "organizationalBranding",
    "subscribedSku",
    "domain",
    "internalDomainFederation",
    "managedDeviceOverview",
    "deviceCompliancePolicyAssignment",
    "iosCompliancePolicy",
    "androidCompliancePolicy",
    "androidWorkProfileCompliancePolicy",
    "windows10CompliancePolicy",
    "macOSCompliancePolicy",
    "conditionalAccessPolicy",
    "identitySecurityDefaultsEnforcementPolicy",
    "iosManagedAppProtection",
    "androidManagedAppProtection",
    "targetedManagedAppPolicyAssignment",
    "termsAndConditions",
    "termsAndConditionsAssignment",
    "signIn",
    "unifiedRoleAssignment",
    "mobileAppAssignment",
    "iosStoreApp",
    "androidStoreApp",
    "managedIOSStoreApp",
    "managedAndroidStoreApp",
    "webApp",
    "microsoftStoreForBusinessApp",
    "windowsMicrosoftEdgeApp",
]
PRIMITIVE = re.compile(r"Edm\.\w+")


def default_path() -> Path | None:
    """Where the extract is: GRAPH_V1_TYPES names it; else the project's shared folder beside the
    clone (shared/graph/graph-v1-types.json), else tests/graph_v1_types.json; None if nowhere."""
    named = os.environ.get("GRAPH_V1_TYPES")
    candidates = [Path(named)] if named else []
    here = Path(__file__).resolve().parent
    candidates += [here.parents[1] / "shared" / "graph" / "graph-v1-types.json"]
    candidates += [here / "graph_v1_types.json"]
    return next((path for path in candidates if path.is_file()), None)


def extract(xml_path: str) -> dict:
    """The ROOTS, their base types, and every complex and enumeration type they reach."""
    schemas = ElementTree.parse(xml_path).getroot().iter(f"{EDM}Schema")
    declared, aliases = {}, {}
    for schema in schemas:
        namespace = schema.get("Namespace")
        aliases[schema.get("Alias") or namespace] = namespace
        for element in schema:
            if element.tag in (f"{EDM}EntityType", f"{EDM}ComplexType", f"{EDM}EnumType"):
                declared[f"{namespace}.{element.get('Name')}"] = element

    def full(name: str) -> str:
        prefix, _, local = name.rpartition(".")
        return f"{aliases.get(prefix, prefix)}.{local}"

    derived = {}
    for name, element in declared.items():
        if element.get("BaseType"):
            derived.setdefault(full(element.get("BaseType")), []).append(name)
    types, enums, waiting = {}, {}, [GRAPH + root for root in ROOTS]
    while waiting:
        name = waiting.pop()
        if name in types or name in enums:
            continue
        element = declared[name]
        if element.tag == f"{EDM}EnumType":
            members = [member.get("Name") for member in element.iter(f"{EDM}Member")]
            enums[name] = {"flags": element.get("IsFlags") == "true", "members": members}
            continue
        entry = {"abstract": element.get("Abstract") == "true", "properties": {}}
        entry["base"] = full(element.get("BaseType")) if element.get("BaseType") else None
        entry["navigation"] = {
            nav.get("Name"): unaliased(nav.get("Type"), full)
            for nav in element.iter(f"{EDM}NavigationProperty")
        }
        for prop in element.iter(f"{EDM}Property"):
            kind = unaliased(prop.get("Type"), full)
            entry["properties"][prop.get("Name")] = [kind, prop.get("Nullable") != "false"]
            inner = element_type(kind)
            if not PRIMITIVE.fullmatch(inner):
                waiting.append(inner)
        types[name] = entry
        waiting += [entry["base"]] if entry["base"] else []
        # An abstract complex type stands for its derived types (an assignment's target).
        if element.tag == f"{EDM}ComplexType" and entry["abstract"]:
            waiting += derived.get(name, [])
    return {"types": dict(sorted(types.items())), "enums": dict(sorted(enums.items()))}


def unaliased(kind: str, full) -> str:
    inner = element_type(kind)
    named = inner if PRIMITIVE.fullmatch(inner) else full(inner)
    return f"Collection({named})" if kind.startswith("Collection(") else named


def element_type(kind: str) -> str:
    return kind[len("Collection(") : -1] if kind.startswith("Collection(") else kind


def is_datetime(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?(Z|[+-]\d\d:\d\d)", text))


def is_guid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def is_date(text: str) -> bool:
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


PRIMITIVES = {
    "Edm.String": lambda value: isinstance(value, str),
    "Edm.Boolean": lambda value: isinstance(value, bool),
    "Edm.Int32": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Edm.Int64": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Edm.Double": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "Edm.DateTimeOffset": lambda value: isinstance(value, str) and is_datetime(value),
    "Edm.Date": lambda value: isinstance(value, str) and is_date(value),
    "Edm.Guid": lambda value: isinstance(value, str) and is_guid(value),
    "Edm.Duration": lambda value: (
        isinstance(value, str)
        and bool(re.fullmatch(r"-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", value))
    ),
    "Edm.Binary": lambda value: isinstance(value, str),
}


class Shapes:
    """The extract, and the check of a JSON value against one of its types."""

    def __init__(self, data: dict):
        self.types, self.enums = data["types"], data["enums"]

    def lineage(self, name: str) -> list[str]:
        chain = []
        while name:
            chain.append(name)
            name = self.types[name]["base"]
        return chain

    def members(self, name: str, part: str) -> dict:
        found = {}
        for ancestor in self.lineage(name):
            found = {**self.types[ancestor][part], **found}
        return found

    def problems(self, value, kind: str, where: str = "$") -> list[str]:
        """What in `value` does not fit `kind` (a type name as the metadata writes it)."""
        if kind.startswith("Collection("):
            if not isinstance(value, list):
                return [f"{where}: a collection expected, got {value!r}"]
            return [
                problem
                for index, item in enumerate(value)
                for problem in self.problems(item, element_type(kind), f"{where}[{index}]")
            ]
        if kind in PRIMITIVES:
            return [] if PRIMITIVES[kind](value) else [f"{where}: {value!r} is not {kind}"]
        if kind in self.enums:
            return self.enum_problems(value, kind, where)
        if kind not in self.types:
            return [f"{where}: the extract has no type {kind} (add it to ROOTS)"]
        if not isinstance(value, dict):
            return [f"{where}: an object of {kind} expected, got {value!r}"]
        named = value.get("@odata.type", "#" + kind)[1:]
        if named not in self.types or kind not in self.lineage(named):
            return [f"{where}: @odata.type {named} is not a {kind}"]
        if self.types[named]["abstract"]:
            return [f"{where}: {named} is abstract; @odata.type must name a concrete type"]
        properties = self.members(named, "properties")
        navigation = self.members(named, "navigation")
        found = []
        for key, item in value.items():
            if key.startswith("@odata.") or "@odata." in key:
                continue  # annotations, not properties
            if key in properties:
                declared, nullable = properties[key]
                if item is None:
                    found += [] if nullable else [f"{where}.{key}: null, but not nullable"]
                else:
                    found += self.problems(item, declared, f"{where}.{key}")
            elif key in navigation:  # expanded
                found += self.problems(item, navigation[key], f"{where}.{key}")
            else:
                found.append(f"{where}.{key}: no such property on {named}")
        return found

    def enum_problems(self, value, kind: str, where: str) -> list[str]:
        enum = self.enums[kind]
        if not isinstance(value, str):
            return [f"{where}: {value!r} is not a member of {kind}"]
        given = value.split(",") if enum["flags"] else [value]
        wrong = [item for item in given if item.strip() not in enum["members"]]
        return [f"{where}: {wrong} not among {kind}'s members"] if wrong else []


def main(argv: list[str]):
    if len(argv) not in (2, 3):
        sys.exit("usage: python -m tests.graph_types path/to/cleanMetadata.xml [out.json]")
    out = Path(argv[2] if len(argv) == 3 else Path(__file__).parent / "graph_v1_types.json")
    data = extract(argv[1])
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(data['types'])} types and {len(data['enums'])} enumerations written to {out}")


if __name__ == "__main__":
    main(sys.argv)
