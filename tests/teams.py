"""A stand-in for a Teams Workflows webhook ("When a Teams webhook request is received", then
"Post card in a chat or channel"), over HTTPS on loopback.

Teams cannot be reached from the tests, so this server takes what the flow takes and refuses
what it refuses: a JSON message whose attachments are Adaptive Cards
(application/vnd.microsoft.card.adaptive); each card is checked against the published Adaptive
Card schema (tests/vendor/adaptive-card.schema.json, from the adaptivecards-designer npm
package) with jsonschema. A card that passes is "posted" (202 Accepted, as Workflows answer);
anything else is a 400 that says why. `plan` makes it answer the next requests with other
statuses first (a 429 with Retry-After, a 500), as a throttled or failing flow does.
"""

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import jsonschema
import trustme

from .support import HttpsServer

SCHEMA = json.loads((Path(__file__).parent / "vendor/adaptive-card.schema.json").read_text())
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
PATH = "/workflows/4c1f2a/triggers/manual/paths/invoke"
QUERY = "api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zm9vYmFyYmF6cXV4"


def card_problems(payload) -> list[str]:
    """Why a Workflows flow would refuse this body ([] when it posts it)."""
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return ["the body is not a message"]
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["the message has no attachments"]
    problems = []
    validator = jsonschema.Draft6Validator(SCHEMA)
    for attachment in attachments:
        if attachment.get("contentType") != CARD_TYPE:
            problems.append(f"an attachment is {attachment.get('contentType')!r}, not a card")
            continue
        problems += [error.message for error in validator.iter_errors(attachment.get("content"))]
    return problems


class TeamsWorkflow:
    """The flow's address on a free loopback port; `cards` holds each card it posted."""

    def __init__(self, tmp_path):
        self.authority = trustme.CA()
        self.ca_file = tmp_path / "teams-ca.pem"
        self.authority.cert_pem.write_to_path(str(self.ca_file))
        self.requests, self.cards, self.refused, self.plan = [], [], [], []
        flow = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                flow.requests.append((dict(self.headers), body))
                if self.path != f"{PATH}?{QUERY}":
                    return self.answer(404, "no such flow")
                if flow.plan:
                    return self.answer(flow.plan.pop(0), "planned")
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                problems = card_problems(payload)
                if problems:
                    flow.refused.append(problems)
                    return self.answer(400, "; ".join(problems))
                flow.cards += [attachment["content"] for attachment in payload["attachments"]]
                return self.answer(202, "")

            def answer(self, status, text):
                data = text.encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "60")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HttpsServer(Handler, self.authority)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.port}{PATH}?{QUERY}"

    def stop(self):
        self.server.stop()
