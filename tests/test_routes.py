"""Route matching: method + URL → the documented operation and its path parameters."""

from __future__ import annotations

import re

import pytest

from conformance.routes import Router

SPEC = """
openapi: 3.0.3
info: {title: routes, version: "1"}
servers:
  - url: https://api.example.com/api/v1
paths:
  /job/{jobId}:
    get: {operationId: getJob, responses: {"200": {description: ok}}}
    delete: {operationId: deleteJob, responses: {"204": {description: gone}}}
  /job/default:
    get: {operationId: getDefaultJob, responses: {"200": {description: ok}}}
  /organization/{organizationId}/project/{projectId}/job/{jobId}:
    get: {operationId: getProjectJob, responses: {"200": {description: ok}}}
  /organization/{organizationId}/project/default/job/{jobId}:
    get: {operationId: getDefaultProjectJob, responses: {"200": {description: ok}}}
  /files/{name}.json:
    get: {operationId: getFile, responses: {"200": {description: ok}}}
  /:
    get: {operationId: getRoot, responses: {"200": {description: ok}}}
"""


@pytest.fixture
def router(write_spec) -> Router:  # noqa: ANN001
    return Router.for_spec(write_spec(SPEC).spec)


def matched(router: Router, method: str, url: str) -> tuple[str, dict[str, str]]:
    found = router.match(method, url)
    assert found is not None, router.why_unmatched(method, url)
    return found.operation.operation_id, dict(found.params)


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("GET", "https://h/api/v1/job/42", ("getJob", {"jobId": "42"})),
        ("DELETE", "https://h/api/v1/job/42", ("deleteJob", {"jobId": "42"})),
        (
            "GET",
            "https://h/api/v1/organization/o1/project/p2/job/j3",
            (
                "getProjectJob",
                {"organizationId": "o1", "projectId": "p2", "jobId": "j3"},
            ),
        ),
        ("GET", "https://h/api/v1/files/report.json", ("getFile", {"name": "report"})),
        ("GET", "https://h/api/v1/", ("getRoot", {})),
    ],
    ids=["one-param", "method-decides", "three-params", "partial-segment", "root"],
)
def test_a_request_matches_its_template_with_parameters(
    router: Router, method: str, url: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert matched(router, method, url) == expected


@pytest.mark.parametrize(
    ("url", "operation"),
    [
        ("https://h/api/v1/job/default", "getDefaultJob"),
        ("https://h/api/v1/job/defaults", "getJob"),
        (
            "https://h/api/v1/organization/o/project/default/job/j",
            "getDefaultProjectJob",
        ),
        ("https://h/api/v1/organization/o/project/other/job/j", "getProjectJob"),
    ],
    ids=["literal-wins", "near-literal-is-a-value", "nested-literal", "nested-value"],
)
def test_a_literal_segment_is_preferred_to_a_template(
    router: Router, url: str, operation: str
) -> None:
    assert matched(router, "GET", url)[0] == operation


def test_literal_precedence_does_not_depend_on_the_order_of_paths(write_spec) -> None:  # noqa: ANN001
    reordered = SPEC.replace("  /job/default:", "  /job/zz-placeholder:")
    reordered = reordered.replace("  /job/{jobId}:", "  /job/default:", 1)
    reordered = reordered.replace("  /job/zz-placeholder:", "  /job/{jobId}:")
    router = Router.for_spec(write_spec(reordered, "reordered.yaml").spec)
    assert router.match("GET", "https://h/api/v1/job/default") is not None
    assert matched(router, "GET", "https://h/api/v1/job/default")[1] == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/api/v1/job/a%2Fb", "a/b"),
        ("https://h/api/v1/job/caf%C3%A9", "café"),
        ("https://h/api/v1/job/with%20space", "with space"),
        ("https://h/api/v1/job/42/", "42"),
        ("https://h/api/v1/job/42?expand=true", "42"),
    ],
    ids=["encoded-slash", "utf8", "space", "trailing-slash", "query-ignored"],
)
def test_parameters_are_percent_decoded_and_trailing_slashes_ignored(
    router: Router, url: str, expected: str
) -> None:
    assert matched(router, "GET", url) == ("getJob", {"jobId": expected})


def test_the_servers_base_path_is_optional_and_a_base_url_replaces_it(
    write_spec,  # noqa: ANN001
) -> None:
    spec = write_spec(SPEC).spec
    assert matched(Router.for_spec(spec), "GET", "http://127.0.0.1:8/job/7")[0] == (
        "getJob"
    )
    proxied = Router.for_spec(spec, base_url="http://127.0.0.1:8/gateway/jobs-api")
    assert matched(proxied, "GET", "http://127.0.0.1:8/gateway/jobs-api/job/7") == (
        "getJob",
        {"jobId": "7"},
    )


def test_a_server_variable_matches_one_segment(write_spec) -> None:  # noqa: ANN001
    text = SPEC.replace(
        "  - url: https://api.example.com/api/v1",
        "  - url: https://{region}.example.com/{version}/api\n"
        "    variables: {region: {default: eu}, version: {default: v2}}",
    )
    router = Router.for_spec(write_spec(text, "vars.yaml").spec)
    assert matched(router, "GET", "https://eu.example.com/v3/api/job/1")[0] == "getJob"


@pytest.mark.parametrize(
    ("method", "url", "reason"),
    [
        ("GET", "https://h/api/v1/health", "no path template of the spec matches"),
        ("GET", "https://h/api/v1/job/1/logs", "no path template of the spec matches"),
        ("POST", "https://h/api/v1/job/1", "POST is not documented for /job/{jobId}"),
    ],
    ids=["unknown-path", "too-long", "undocumented-method"],
)
def test_an_unmatched_request_says_why(
    router: Router, method: str, url: str, reason: str
) -> None:
    assert (router.match(method, url), reason in router.why_unmatched(method, url)) == (
        None,
        True,
    )


def test_every_operation_of_the_full_qovery_spec_routes_to_itself(
    full_contract,  # noqa: ANN001
) -> None:
    router = Router.for_spec(full_contract.spec)
    strays = []
    for op in full_contract.operations.values():
        url = "https://api.qovery.com" + re.sub(r"\{[^}]+\}", "v-1", op.path)
        found = router.match(op.method, url)
        if found is None or found.operation is not op:
            strays.append(op.operation_id)
    assert (len(full_contract.operations) > 500, strays) == (True, [])
