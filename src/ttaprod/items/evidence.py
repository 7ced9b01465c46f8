"""performance.load-testing and security.secret-storage: evidence when the project holds it,
an attestation from config when it does not, otherwise "cannot be verified from code".

- load testing: a Python file importing locust; a k6 script (`import http from "k6/http"`); a
  JMeter plan (`.jmx`); a file whose path names vegeta; a script, Makefile or CI workflow that
  runs `vegeta attack`, `k6 run`, `locust -f` or `artillery run`.
- secret storage: a secret-store client in code (boto3 `secretsmanager`, hvac, GCP Secret
  Manager, Azure Key Vault, pydantic-settings sources); Kubernetes `secretKeyRef`/`secretRef`/
  secret volumes, secret operators (ExternalSecret, SealedSecret, SecretProviderClass…),
  Vault agent injection; compose `secrets:`.

Verdicts: evidence or a valid attestation → `pass` (10); the reason says "attested, not
verified" when only the attestation stands. Neither → `warn` (5). An attested file that does
not exist → `fail` (0), naming the file and the config entry. With only some files checked
and nothing found → `skip`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .. import knowledge
from ..engine.project import CheckResult, ProjectIndex
from ..facts import LoadTest, SecretStore
from ..models import Evidence, ItemResult, Status
from ..tally import verdict
from . import deployfiles
from .attest import attestation
from .common import PARTIAL, at, evidence, listed

LOAD = "performance.load-testing"
SECRETS = "security.secret-storage"


@knowledge.derived
def _commands() -> tuple[tuple[str, re.Pattern[str]], ...]:
    data = knowledge.table("evidence")["load_testing"]["commands"]
    return tuple((c["tool"], re.compile(c["pattern"])) for c in data)


def _script(index: ProjectIndex, rel: str) -> Evidence | None:
    for spec in knowledge.table("evidence")["load_testing"]["files"]:
        if not rel.lower().endswith(tuple(spec["suffixes"])):
            continue
        if not spec["markers"]:
            return Evidence(rel, 1, f"{spec['tool']} test plan")
        text = index.read_text(rel) or ""
        for number, line in enumerate(text.splitlines(), 1):
            if any(marker in line for marker in spec["markers"]):
                return Evidence(rel, number, f"{spec['tool']} script")
    return None


def _command(index: ProjectIndex, rel: str) -> Evidence | None:
    scan = knowledge.table("evidence")["load_testing"]["scan"]
    name = PurePosixPath(rel).name
    if any(marker in rel.lower() for marker in scan["path_markers"]):
        return Evidence(rel, 1, "vegeta targets")
    if name not in scan["names"] and not name.lower().endswith(tuple(scan["suffixes"])):
        return None
    text = index.read_text(rel) or ""
    for number, line in enumerate(text.splitlines(), 1):
        for tool, pattern in _commands():
            if pattern.search(line):
                return Evidence(rel, number, f"runs {tool}")
    return None


def load_test_evidence(index: ProjectIndex) -> list[Evidence]:
    found = [evidence(f, f"{f.tool} load test") for f in index.facts_of(LoadTest)]
    for rel in index.other_files:
        hit = _script(index, rel) or _command(index, rel)
        if hit is not None:
            found.append(hit)
    return sorted(found, key=lambda e: (e.path, e.line))


def secret_store_evidence(index: ProjectIndex) -> list[Evidence]:
    found = [evidence(f, f"{f.api} client") for f in index.facts_of(SecretStore)]
    return sorted(found + deployfiles.secret_references(index), key=lambda e: (e.path, e.line))


def _judge(
    index: ProjectIndex, default: ItemResult, item: str, found: list[Evidence], missing: str
) -> CheckResult:
    attested = attestation(index, item)
    if attested is not None and not attested.exists:
        reason = (
            f"attested file {attested.shown} does not exist ({attested.config}:{attested.line}, "
            "[tool.ttaprod.attest]): restore it or remove the entry"
        )
        return verdict(default, Status.FAIL, reason, [attested.evidence]), ()
    shown = listed([f"{e.note} ({at(e)})" for e in found], 1)
    if found and attested is not None:
        reason = f"{shown}; also attested in config (not verified): {attested.shown}"
        return verdict(default, Status.PASS, reason, [*found, attested.evidence]), ()
    if found:
        return verdict(default, Status.PASS, shown, found), ()
    if attested is not None:
        reason = f"attested, not verified: {attested.shown} ({attested.config}:{attested.line})"
        return verdict(default, Status.PASS, reason, [attested.evidence]), ()
    if index.partial:
        return verdict(default, Status.SKIP, PARTIAL), ()
    reason = f"cannot be verified from code ({missing}); attest it in [tool.ttaprod.attest]"
    return verdict(default, Status.WARN, reason), ()


def load_testing_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    missing = "no locust, k6, JMeter or vegeta test"
    return _judge(index, default, LOAD, load_test_evidence(index), missing)


def secret_storage_item(index: ProjectIndex, default: ItemResult) -> CheckResult:
    missing = "no secret-store client or secret reference"
    return _judge(index, default, SECRETS, secret_store_evidence(index), missing)
