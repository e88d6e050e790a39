"""The assessment snapshot for Avaliar: the tenant's facts as the latest run observed them,
gathered by subject (licences, domains, synchronisation, devices, policies)."""

from dataclasses import dataclass, field

from tenants.models import CheckRun, Observation
from tenants.selectors import latest_run


@dataclass
class Assessment:
    run: CheckRun | None
    skus: list[dict] = field(default_factory=list)
    domains: list[dict] = field(default_factory=list)
    federated: dict[str, str] = field(default_factory=dict)
    sync: dict | None = None
    synced_users: int | None = None
    mdm_authority: str | None = None
    devices: dict | None = None
    compliance: list[dict] = field(default_factory=list)
    conditional_access: list[dict] = field(default_factory=list)
    app_protection: dict | None = None
    security_defaults: bool | None = None
    # Checks the tenant could not answer (no Intune licence, no Premium): their keys.
    unanswered: list[str] = field(default_factory=list)


def assessment_of(engagement) -> Assessment:
    run = latest_run(engagement)
    found = Assessment(run=run)
    if run is None:
        return found
    observations: dict[str, Observation] = {o.check_key: o for o in run.observations.all()}
    for key, observation in observations.items():
        facts = observation.facts
        if "unavailable" in facts:
            found.unanswered.append(key)
        elif key == "licences-ems":
            found.skus = facts["skus"]
        elif key == "domains":
            found.domains = facts["domains"]
        elif key == "federation":
            found.federated = {d["name"]: d["sign_in_host"] for d in facts["federated"]}
        elif key == "directory-sync":
            found.sync = facts
        elif key == "synced-users":
            found.synced_users = facts["synced_users"]
        elif key == "mdm-authority":
            found.mdm_authority = facts["mdm_authority"]
        elif key == "devices":
            found.devices = facts["devices"]
        elif key == "compliance":
            found.compliance = facts["policies"]
        elif key == "conditional-access-devices":
            found.conditional_access = facts["policies"]
        elif key == "app-protection":
            found.app_protection = facts["policies"]
        elif key == "mfa":
            found.security_defaults = facts["security_defaults"]
    for domain in found.domains:
        domain["sign_in_host"] = found.federated.get(domain["name"], "")
    return found
