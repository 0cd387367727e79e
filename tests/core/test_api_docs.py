"""docs/api.md lists every API operation, and only those: a new endpoint without a line in the
reference, or a line for an endpoint that is gone, fails here (issue 7, item 7)."""

from __future__ import annotations

import re
from pathlib import Path

from outbreakhq.api import api

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# One row per operation: | METHOD | `/api/v1/path/{param}` | what it does | capability |
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`(/api/[^`]*)`\s*\|", re.MULTILINE)


def documented_operations() -> list[tuple[str, str]]:
    return [(method, path) for method, path in ROW.findall(DOC.read_text(encoding="utf-8"))]


def schema_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_docs_api_lists_every_operation_of_the_schema_and_no_other() -> None:
    documented = documented_operations()
    in_schema = schema_operations()

    missing = sorted(in_schema - set(documented))
    gone = sorted(set(documented) - in_schema)
    assert not missing, f"add a row `| METHOD | `path` | what | needs |` to docs/api.md: {missing}"
    assert not gone, f"docs/api.md documents operations the API no longer has: {gone}"
    assert len(documented) == len(set(documented)), "an operation is documented twice"


def test_docs_api_documents_every_error_status() -> None:
    text = DOC.read_text(encoding="utf-8")
    for status in (400, 401, 403, 404, 405, 429, 500):
        assert re.search(rf"^\| {status} \|", text, re.MULTILINE), status
