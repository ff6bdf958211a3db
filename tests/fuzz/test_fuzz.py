"""The fuzz tier: schemathesis against each service's OpenAPI document, on the real app (uvicorn, real
nats-server and SecantusDB). Every response must be no 5xx, and conform to the document: a status it
lists, its media type, its schema.

Sized for CI: FUZZ_EXAMPLES examples per operation (default 100) in the fuzzing phase, besides the
examples and coverage phases; a fixed seed makes a run reproducible (FUZZ_SEED to explore others).
A request that takes longer than REQUEST_TIMEOUT seconds fails the case: that is the deadline (a
hypothesis deadline would measure the shared 2-core machine more than the service). A 503 with
Retry-After (a dependency slow under the parallel suite) is sent once more, as its header tells a
client to; that retry must not be a 5xx.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from fuzz.live import STATS, Node
from fuzz.targets import TARGETS, roles_for, steer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.fuzz,
              # raised by schemathesis' own strategies, not by the project
              pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")]

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
REQUEST_TIMEOUT = 20
RETRY_WAIT = 3.0
"""At most this long before the one retry of a 503 (its Retry-After says how long)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def load(name: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_dict(TARGETS[name].openapi(name))
    schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
    schema.config.seed = SEED
    return schema


submission, evaluation, awards, reporting, directory, identity, notifications, replication = (
    load(name) for name in TARGETS)


def fuzz(case: schemathesis.Case, node: Node, name: str) -> None:
    service = node[name]
    roles, commune = roles_for(case.path)
    if case.path_parameters:
        case.path_parameters = steer(case.path_parameters, node.known)
    headers = service.headers(roles, commune)
    response = case.call(base_url=service.base_url, headers=headers, timeout=REQUEST_TIMEOUT)
    retry_after = response.headers.get("retry-after")
    if response.status_code == 503 and retry_after:
        # A dependency slow under the parallel suite's load (a NATS request timed out): the documented answer is
        # "retry after N s". The client's retry must then be answered; a dependency really down fails it again.
        STATS.record(service.name, case.operation.label, response.status_code)
        time.sleep(min(float(retry_after[0]), RETRY_WAIT))
        response = case.call(base_url=service.base_url, headers=headers, timeout=REQUEST_TIMEOUT)
    case.validate_response(response, checks=CHECKS, headers=headers,
                           transport_kwargs={"base_url": service.base_url, "headers": headers,
                                             "timeout": REQUEST_TIMEOUT})
    STATS.record(service.name, case.operation.label, response.status_code)


@submission.parametrize()
def test_submission(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "submission")


@evaluation.parametrize()
def test_evaluation(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "evaluation")


@awards.parametrize()
def test_awards(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "awards")


@reporting.parametrize()
def test_reporting(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "reporting")


@directory.parametrize()
def test_directory(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "directory")


@identity.parametrize()
def test_identity(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "identity")


@notifications.parametrize()
def test_notifications(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "notifications")


@replication.parametrize()
def test_replication(case: schemathesis.Case, node: Node) -> None:
    fuzz(case, node, "replication")
