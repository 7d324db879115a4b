"""Schemathesis against one running service: the engine ``schemathesis run`` drives (examples, coverage and
fuzzing phases; no stateful phase), bounded and deterministic (a fixed seed, derandomised generation, a
few examples per operation, no shrinking), at a steady rate under the service's per-token limit, and
its outcome in figures: operations, requests, answers by status, every failed check with a curl to
replay it.

What the caller gives (``Target``): the service's URL, the bearer token sent by default, and per
operation another token, values to draw from (real ids, so that some requests find what they name), or
values to pin (what must never vary: which account's tokens may be revoked, the date of an archiving)."""

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.engine import events, from_schema

# The checks every answer must pass: no 5xx, a documented status, content type and schema, documented
# headers, a 405 with Allow for a method the path does not take, a 401 without a token, and no request the
# document calls invalid accepted with a 2xx.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",
    "ignored_auth",
    "negative_data_rejection",
)
# A request the document forbids must be refused; schemathesis' list of refusals, plus 410: a pièce moved to
# the archive is refused whatever the body (a completion's multipart is read after that).
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 428, 429, "5XX"]
# Below RATE_LIMIT_PER_SECOND (100): the fuzzer is never throttled, and loads a service no more than a
# busy client does.
RATE = "90/s"


@dataclass
class Operation:
    """What one operation (``"POST /v1/things/{id}"``) gets instead of the defaults."""

    token: str | None = None  # another bearer token
    pinned: dict[str, Any] = field(default_factory=dict)  # "path.email": value, sent every time


@dataclass
class Target:
    service: str
    url: str
    token: str
    drawn: dict[str, list[str]] = field(default_factory=dict)  # "path.dossier_id": values drawn half the time
    operations: dict[str, Operation] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    operation: str
    check: str
    title: str
    message: str
    curl: str

    def __str__(self) -> str:
        return f"{self.operation} — {self.check}: {self.title}\n{self.message}\n{self.curl}"


@dataclass
class Figures:
    service: str
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_operation: dict[str, Counter] = field(default_factory=dict)  # the statuses of each operation
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)  # one per operation, check, title
    failed_checks: int = 0
    errors: list[str] = field(default_factory=list)  # what the engine could not test
    authenticated: set[str] = field(default_factory=set)  # operations that answered something else than 401
    seconds: float = 0.0

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        return (
            f"{self.service:13} {len(self.operations):3} operations {self.requests:5} requests "
            f"{self.failed_checks:3} failed checks ({len(self.findings)} distinct) {len(self.errors)} errors "
            f"{self.seconds:5.1f} s | {statuses}"
        )


def config(target: Target, examples: int, seed: int) -> schemathesis.Config:
    dictionaries = {key.replace(".", "_"): {"values": values} for key, values in target.drawn.items()}
    drawn = {key: {"dictionary": key.replace(".", "_"), "probability": 0.5} for key in target.drawn}
    operations = []
    for label, operation in target.operations.items():
        # By its label: include-method and include-path together select every method of the path.
        specific: dict[str, Any] = {"include-name": label, "parameters": operation.pinned}
        if operation.token is not None:
            specific["headers"] = {"Authorization": f"Bearer {operation.token}"}
        operations.append(specific)
    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "headers": {"Authorization": f"Bearer {target.token}"},
            "generation": {"max-examples": examples, "deterministic": True, "database": "none", "no-shrink": True},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "negative_data_rejection": {"enabled": True, "expected-statuses": REFUSALS},
            },
            "phases": {"stateful": {"enabled": False}},
            "continue-on-failure": True,
            "workers": 1,
            "rate-limit": RATE,
            "dictionaries": dictionaries,
            "parameters": drawn,
            "operations": operations,
        }
    )


def run(target: Target, examples: int, seed: int) -> Figures:
    """Fuzz every operation of ``target``'s OpenAPI document (blocking: call it from a thread)."""
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{target.url}/openapi.json", config=config(target, examples, seed))
    figures = Figures(target.service)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(figures, event.recorder)
        elif isinstance(event, events.NonFatalError):
            figures.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            figures.errors.append(f"fatal: {event.exception!r}")
    figures.seconds = time.monotonic() - started
    return figures


def _record(figures: Figures, recorder) -> None:
    figures.operations.add(recorder.label)
    for interaction in recorder.interactions.values():
        figures.requests += 1
        if interaction.response is not None:
            figures.statuses[interaction.response.status_code] += 1
            figures.by_operation.setdefault(recorder.label, Counter())[interaction.response.status_code] += 1
            if interaction.response.status_code != 401:
                figures.authenticated.add(recorder.label)
    for checks in recorder.checks.values():
        for check in checks:
            if check.failure_info is None:
                continue
            figures.failed_checks += 1
            failure = check.failure_info.failure
            key = (recorder.label, check.name, failure.title)
            figures.findings.setdefault(
                key, Finding(recorder.label, check.name, failure.title, failure.message, check.failure_info.code_sample)
            )
