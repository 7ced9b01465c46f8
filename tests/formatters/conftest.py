from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ttaprod import catalogue
from ttaprod.models import Report

from . import sample

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SARIF_SCHEMA: dict[str, Any] = json.loads(
    (SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def _no_network(uri: str) -> Resource:
    raise AssertionError(f"the SARIF schema tried to fetch {uri}: validation must stay offline")


def validate_sarif(data: dict[str, Any]) -> None:
    """Validate against the OASIS schema (Draft 4); every $ref resolves inside the file."""
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    registry: Registry = Registry(retrieve=_no_network).with_resource(
        SARIF_SCHEMA["id"], DRAFT4.create_resource(SARIF_SCHEMA)
    )
    validator = jsonschema.Draft4Validator(
        SARIF_SCHEMA, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:20])


@pytest.fixture
def fixed_catalogue(monkeypatch: pytest.MonkeyPatch) -> dict[str, catalogue.RuleSpec]:
    """Swap the rule catalogue for the hand-made one the golden files were written with."""
    monkeypatch.setattr(catalogue, "catalogue", lambda: dict(sample.CATALOGUE))
    return sample.CATALOGUE


@pytest.fixture
def sample_report(fixed_catalogue: dict[str, catalogue.RuleSpec]) -> Report:
    return sample.report()
