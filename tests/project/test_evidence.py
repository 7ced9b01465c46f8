"""performance.load-testing and security.secret-storage: evidence, attestation, nothing,
and a broken attestation; the `attest` config key's validation (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ttaprod import config
from ttaprod.api import CheckOptions, UsageError
from ttaprod.api import check as api_check
from ttaprod.config import ConfigError
from ttaprod.models import Status

from .helpers import check, evidence, item, write

LOAD = "performance.load-testing"
SECRETS = "security.secret-storage"
APP = "def run() -> int:\n    return 1\n"
ATTEST = """
[tool.ttaprod.attest]
"performance.load-testing" = "docs/load-test-2026-10.md"
"""


# --- load testing -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"loadtest/locustfile.py": "from locust import HttpUser, task\n"},
            ("loadtest/locustfile.py", 1, "locust load test"),
        ),
        (
            {"perf/smoke.js": "import http from 'k6/http';\nexport default function () {}\n"},
            ("perf/smoke.js", 1, "k6 script"),
        ),
        ({"perf/plan.jmx": "<jmeterTestPlan/>\n"}, ("perf/plan.jmx", 1, "JMeter test plan")),
        (
            {"load/vegeta/targets.txt": "GET https://api/x\n"},
            ("load/vegeta/targets.txt", 1, "vegeta targets"),
        ),
        (
            {
                ".github/workflows/load.yml": (
                    "jobs:\n  k6:\n    steps:\n      - run: k6 run perf/smoke.js\n"
                )
            },
            (".github/workflows/load.yml", 4, "runs k6"),
        ),
        (
            {"Makefile": "load:\n\techo targets | vegeta attack -rate=50 | vegeta report\n"},
            ("Makefile", 2, "runs vegeta"),
        ),
    ],
    ids=["locust", "k6", "jmeter", "vegeta-path", "ci-k6", "makefile-vegeta"],
)
def test_load_test_evidence(tmp_path: Path, files: dict[str, str], expected: tuple) -> None:
    result = item(check(tmp_path, {"app/main.py": APP, **files}), LOAD)
    assert (result.status, result.score) == (Status.PASS, 10.0)
    assert evidence(result) == [expected]
    assert result.reason == f"{expected[2]} ({expected[0]}:{expected[1]})"


def test_look_alikes_are_not_load_tests(tmp_path: Path) -> None:
    files = {
        "app/main.py": APP,
        "web/app.js": "import http from 'node:http';\n",
        "README.md": "Run `locust -f loadtest/locustfile.py` before a release.\n",
    }
    result = item(check(tmp_path, files), LOAD)
    assert (result.status, result.score, result.evidence) == (Status.WARN, 5.0, ())
    assert result.reason == (
        "cannot be verified from code (no locust, k6, JMeter or vegeta test); "
        "attest it in [tool.ttaprod.attest]"
    )


def test_an_attestation_passes_and_says_so(tmp_path: Path) -> None:
    files = {
        "app/main.py": APP,
        "pyproject.toml": '[project]\nname = "x"\n' + ATTEST,
        "docs/load-test-2026-10.md": "# Load test, October 2026\n",
    }
    result = item(check(tmp_path, files), LOAD)
    assert (result.status, result.score) == (Status.PASS, 10.0)
    assert result.reason == ("attested, not verified: docs/load-test-2026-10.md (pyproject.toml:5)")
    assert evidence(result) == [
        ("pyproject.toml", 5, "attested in config: docs/load-test-2026-10.md")
    ]


def test_evidence_and_attestation_are_both_shown(tmp_path: Path) -> None:
    files = {
        "loadtest/locustfile.py": "import locust\n",
        "pyproject.toml": ATTEST,
        "docs/load-test-2026-10.md": "report\n",
    }
    result = item(check(tmp_path, files), LOAD)
    assert result.status is Status.PASS
    assert result.reason == (
        "locust load test (loadtest/locustfile.py:1); also attested in config (not verified): "
        "docs/load-test-2026-10.md"
    )
    assert evidence(result) == [
        ("loadtest/locustfile.py", 1, "locust load test"),
        ("pyproject.toml", 2, "attested in config: docs/load-test-2026-10.md"),
    ]


def test_a_missing_attested_file_fails_naming_it(tmp_path: Path) -> None:
    files = {"loadtest/locustfile.py": "import locust\n", "pyproject.toml": ATTEST}
    result = item(check(tmp_path, files), LOAD)
    assert (result.status, result.score) == (Status.FAIL, 0.0)
    assert result.reason == (
        "attested file docs/load-test-2026-10.md does not exist (pyproject.toml:2, "
        "[tool.ttaprod.attest]): restore it or remove the entry"
    )
    assert evidence(result) == [
        ("pyproject.toml", 2, "attested in config: docs/load-test-2026-10.md (missing)")
    ]


def test_attested_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "ci/ttaprod.toml": (
                '[tool.ttaprod.attest]\n"security.secret-storage" = "../ops/vault.md"\n'
            ),
            "ops/vault.md": "Secrets come from Vault (agent injector).\n",
            "app/main.py": APP,
        },
    )
    report = api_check(
        CheckOptions(
            paths=(tmp_path,),
            config_file=tmp_path / "ci" / "ttaprod.toml",
            no_tools=True,
            no_cache=True,
        )
    )
    result = item(report, SECRETS)
    assert result.status is Status.PASS
    assert result.reason == "attested, not verified: ops/vault.md (ci/ttaprod.toml:2)"


# --- secret storage ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("src", "note"),
    [
        (
            'import boto3\n\nclient = boto3.client("secretsmanager")\n',
            'boto3.client("secretsmanager") client',
        ),
        (
            "import boto3\n\nsession = boto3.Session()\n"
            'client = session.client(service_name="secretsmanager")\n',
            'boto3.Session.client("secretsmanager") client',
        ),
        ("import hvac\n\nclient = hvac.Client(url='https://vault:8200')\n", "hvac.Client client"),
        (
            "from google.cloud import secretmanager\n\n"
            "client = secretmanager.SecretManagerServiceClient()\n",
            "google.cloud.secretmanager.SecretManagerServiceClient client",
        ),
        (
            "from azure.keyvault.secrets import SecretClient\n\n"
            "client = SecretClient(vault_url=URL, credential=CRED)\n",
            "azure.keyvault.secrets.SecretClient client",
        ),
    ],
    ids=["boto3", "boto3-session", "vault", "gcp", "azure"],
)
def test_secret_store_clients(tmp_path: Path, src: str, note: str) -> None:
    result = item(check(tmp_path, {"app/secrets.py": src}), SECRETS)
    assert result.status is Status.PASS
    assert evidence(result) == [("app/secrets.py", 3 if "session.client" not in src else 4, note)]


def test_other_aws_clients_and_test_files_are_not_evidence(tmp_path: Path) -> None:
    files = {
        "app/storage.py": 'import boto3\n\ns3 = boto3.client("s3")\n',
        "tests/test_secrets.py": "import hvac\n\nclient = hvac.Client()\n",
    }
    result = item(check(tmp_path, files), SECRETS)
    assert result.status is Status.WARN
    assert result.reason.startswith("cannot be verified from code (no secret-store client")


def test_platform_secret_references(tmp_path: Path) -> None:
    files = {
        "app/main.py": APP,
        "k8s/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: api:1.0
                      envFrom:
                        - secretRef:
                            name: api-env
            ---
            apiVersion: external-secrets.io/v1beta1
            kind: ExternalSecret
            metadata:
              name: api-env
        """,
        "compose.yaml": """
            services:
              api:
                image: api:1.0
                secrets: [db_password]
            secrets:
              db_password:
                file: ./db_password.txt
        """,
    }
    result = item(check(tmp_path, files), SECRETS)
    assert result.status is Status.PASS
    assert evidence(result) == [
        ("compose.yaml", 5, "compose secrets"),
        ("k8s/api.yaml", 12, "secretRef in Deployment api"),
        ("k8s/api.yaml", 16, "ExternalSecret api-env"),
    ]


def test_literal_env_values_are_not_a_secret_store(tmp_path: Path) -> None:
    manifest = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          containers:
            - name: api
              image: api:1.0
              env:
                - name: DB_HOST
                  value: db
    """
    result = item(check(tmp_path, {"app/main.py": APP, "k8s/api.yaml": manifest}), SECRETS)
    assert result.status is Status.WARN


# --- the attest config key --------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("nope", "'attest' must be a table of checklist item id = file path, not str 'nope'"),
        (
            {"performance.load-test": "a.md"},
            "'attest.performance.load-test' is not a checklist item id",
        ),
        (
            {"errors.retry": "a.md"},
            "'attest.errors.retry' cannot be attested: it is judged from the code (attestable: "
            "performance.load-testing, security.secret-storage)",
        ),
        (
            {"performance.load-testing": 3},
            "'attest.performance.load-testing' must be a file path, not 3",
        ),
        (
            {"performance.load-testing": "/etc/passwd"},
            "'attest.performance.load-testing' must be a path relative to the config file's "
            "directory, not '/etc/passwd'",
        ),
        (
            {"performance.load-testing": "C:\\reports\\x.md"},
            "'attest.performance.load-testing' must be a path relative to the config file's "
            "directory, not 'C:\\\\reports\\\\x.md'",
        ),
    ],
    ids=["not-a-table", "unknown-item", "not-attestable", "not-a-string", "absolute", "drive"],
)
def test_attest_validation(table: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config.from_table({"attest": table}, Path("pyproject.toml"))
    assert str(raised.value) == f"pyproject.toml: [tool.ttaprod] {message}"


def test_attest_is_kept_in_config_extra() -> None:
    loaded = config.from_table({"attest": {"security.secret-storage": "./docs\\vault.md"}}, None)
    assert loaded.attest == (("security.secret-storage", "docs/vault.md"),)


def test_a_bad_attest_entry_is_exit_2_with_one_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"pyproject.toml": '[tool.ttaprod.attest]\n"quality.lint" = "lint.txt"\n', "app.py": APP},
    )
    with pytest.raises(UsageError):
        api_check(CheckOptions(paths=(tmp_path,), no_tools=True, no_cache=True))
    result = subprocess.run(
        [sys.executable, "-m", "ttaprod", "check", str(tmp_path), "--no-tools"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "'attest.quality.lint' cannot be attested" in lines[0]
