"""One reading of a tenant: every check its tier allows, each request asked once per run
however many checks share it, and each check's observation with its SHA-256."""

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote

from tenants.checks import Check, check_set
from tenants.graph import Answer, access_token, graph_read
from tenants.predicates import judge


@dataclass
class Seen:
    """An observation before it is kept."""

    check: Check
    requests: list[dict]
    facts: dict
    result: str


def observation_content(
    *, tenant_id: str, check_key: str, check_version: int, observed_at, requests, facts, result
) -> dict:
    """What an observation's SHA-256 covers (tenants/verify.py recomputes it from the row)."""
    return {
        "tenant": tenant_id,
        "check": check_key,
        "version": check_version,
        "observed_at": observed_at.isoformat(),
        "requests": requests,
        "facts": facts,
        "result": result,
    }


def stored_observation_content(observation, tenant_id: str) -> dict:
    """`observation_content` of an observation already kept."""
    return observation_content(
        tenant_id=tenant_id,
        check_key=observation.check_key,
        check_version=observation.check_version,
        observed_at=observation.observed_at,
        requests=observation.requests,
        facts=observation.facts,
        result=observation.result,
    )


def canonical_json(content: dict) -> bytes:
    """The one spelling of a content that its SHA-256 covers."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


class TenantReader:
    def __init__(self, tier: str, tenant_id: str):
        self.token = access_token(tier, tenant_id)
        self.answers: dict[tuple[str, bool], Answer] = {}
        self.request_count = 0

    def read(self, path: str, eventual: bool) -> Answer:
        if (path, eventual) not in self.answers:
            answer = graph_read(self.token, path, eventual=eventual)
            self.request_count += len(answer.request_ids)
            self.answers[path, eventual] = answer
        return self.answers[path, eventual]

    def observe(self, check: Check, now) -> Seen:
        answers, asked = [], []
        for request in check.requests:
            if request.for_each:
                source = answers[request.for_each["request"]]
                where = request.for_each.get("where", {})
                items = [
                    item
                    for item in source.items
                    if all(item.get(name) == value for name, value in where.items())
                ]
                answer = {
                    item["id"]: self.read(
                        request.path.replace("{id}", quote(item["id"], safe="")), request.eventual
                    )
                    for item in items
                }
                for item_id, one in answer.items():
                    path = request.path.replace("{id}", item_id)
                    asked.append({"path": path, "request_ids": one.request_ids})
            else:
                answer = self.read(request.path, request.eventual)
                asked.append({"path": request.path, "request_ids": answer.request_ids})
            answers.append(answer)
        result, facts = judge(check.predicate, answers, check.params, now)
        return Seen(check=check, requests=asked, facts=facts, result=result)


def tenant_read(tier: str, tenant_id: str, now) -> tuple[list[Seen], int]:
    """Every observation the tier allows, and how many requests Graph answered. Raises
    graph.ConsentMissing, graph.Throttled, graph.TenantUnreachable or graph.NotConfigured:
    then nothing of this run is kept."""
    reader = TenantReader(tier, tenant_id)
    seen = [reader.observe(check, now) for check in check_set().for_tier(tier)]
    return seen, reader.request_count
