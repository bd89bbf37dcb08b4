"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis): for every
operation, valid and invalid inputs; no answer may be a 5xx, and every answer must match the document
(status code, content type, schema). Bounded to a few examples per operation and mode."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agency import db
from tests.api.conftest import bearer, make_interaction, make_token

EXAMPLES = 12
# Not "positive data accepted": schema-valid values may still break a business rule (a day in the future, an
# activity of another agency, a cursor this API never issued) and rightly answer 422.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture
def fuzz_world(app, world):
    app.config["API_RATE_LIMIT"] = 100_000
    for n in range(3):
        make_interaction(world.ws_a, text=f"Frage {n}")
    secret = make_token(world.owner_a)
    db.session.commit()
    yield secret
    app.config.pop("API_RATE_LIMIT", None)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzz_every_operation_without_5xx(app, fuzz_world, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    statuses: list[int] = []
    headers = bearer(fuzz_world)

    def fuzz(operation):
        @settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.generate], database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} for {case.path_parameters} "
                                f"{case.query} {case.body!r:.200}")
                return
            try:
                case.validate_response(response, headers=headers, checks=CHECKS)
            except BaseExceptionGroup as exc:  # a mismatch with the document: collect, report all at the end
                if mode == GenerationMode.POSITIVE or response.status_code < 400:
                    failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:400]}")

        run()

    for operation in operations:
        fuzz(operation)
    assert failures == []
    # Not vacuous: the token worked and the fuzzer reached the views (not only the refusals at the door).
    assert len(statuses) >= len(operations) * 2
    assert any(200 <= s < 300 for s in statuses) and not all(s == 401 for s in statuses)
