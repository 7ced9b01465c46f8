"""Project items on partial runs, broken inputs and our own bugs: a reason, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod import checklist, ruleset
from ttaprod.config import Config
from ttaprod.engine.project import ProjectIndex
from ttaprod.engine.registry import ItemCheck, guarded
from ttaprod.items.common import PARTIAL
from ttaprod.models import ItemResult, Status

from .helpers import check, item

# The items judged from the whole project (not from sites or deployment files alone).
ITEMS = (
    "quality.tests",
    "observability.integration",
    "observability.tracing",
    "observability.metrics",
    "observability.structured-logging",
    "performance.load-testing",
    "security.secret-storage",
    "deploy.health-endpoint",
)


def _default(item_id: str) -> ItemResult:
    spec = checklist.BY_ID[item_id]
    return ItemResult(spec.id, spec.title, spec.section, Status.SKIP, None, reason="default")


@pytest.mark.parametrize("item_id", ITEMS)
def test_absence_is_never_judged_on_a_partial_run(tmp_path: Path, item_id: str) -> None:
    index = ProjectIndex(
        root=tmp_path, config=Config(), files=(), python_files=(), other_files=(), lines=0,
        partial=True,
    )  # fmt: skip
    result, findings = ruleset.registry().judge(item_id, index, _default(item_id))
    assert result.status is Status.SKIP and result.score is None and findings == ()
    expected = {
        "observability.structured-logging": "default",
        "deploy.health-endpoint": (
            "no web routes and no long-running worker: not a long-running service"
        ),
    }
    assert result.reason == expected.get(item_id, PARTIAL)


def test_a_bug_in_a_check_skips_its_item_with_the_reason(tmp_path: Path) -> None:
    def broken(index: ProjectIndex, default: ItemResult) -> tuple[ItemResult, tuple]:
        raise KeyError("boom")

    index = ProjectIndex(tmp_path, Config(), (), (), (), 0)
    check = ItemCheck("quality.tests", broken)
    result, findings = guarded(check, index, _default("quality.tests"))
    assert (result.status, result.score) == (Status.SKIP, None)
    assert result.reason == (
        "not judged: internal error in broken (KeyError); please report this bug"
    )
    assert [(f.rule, f.path, f.severity.value) for f in findings] == [("TTP906", "", "high")]
    assert findings[0].message == (
        "ttaprod's check of quality.tests (broken) failed here (KeyError); "
        "the rest of the run went on. Please report this bug."
    )


def test_broken_deployment_files_and_binary_scripts(tmp_path: Path) -> None:
    files = {
        "app/main.py": "def run() -> int:\n    return 1\n",
        "Dockerfile": "CMD opentelemetry-instrument python -m app\n",  # no FROM: unparseable
        "k8s/bad.yaml": "apiVersion: v1\nkind: Deployment\nspec: [unclosed\n",
        "compose.yaml": "services: [\n",
        "Procfile": "web opentelemetry-instrument python -m app\n",  # no `name:`: not a process
    }
    root = tmp_path
    (root / "perf").mkdir()
    (root / "perf" / "smoke.js").write_bytes(b"\xff\xfe\x00k6/http")
    report = check(root, files)
    statuses = {item_id: item(report, item_id).status.value for item_id in ITEMS}
    assert statuses == {
        "quality.tests": "fail",
        "observability.integration": "fail",  # the unparseable files start nothing
        "observability.tracing": "fail",
        "observability.metrics": "fail",
        "observability.structured-logging": "skip",
        "performance.load-testing": "warn",  # the binary k6 script is not read as evidence
        "security.secret-storage": "warn",
        "deploy.health-endpoint": "skip",
    }
    assert not any(f.rule == "TTP906" for f in report.findings)


def test_files_over_the_size_limit_are_not_read(tmp_path: Path) -> None:
    files = {
        "app/main.py": "def run() -> int:\n    return 1\n",
        "pyproject.toml": "[tool.ttaprod]\nmax-file-size-kb = 1\n",
        "perf/smoke.js": "import http from 'k6/http';\n" + "// padding\n" * 200,
    }
    result = item(check(tmp_path, files), "performance.load-testing")
    assert result.status is Status.WARN


def test_an_opentelemetry_meter_provider_initialises_observability(tmp_path: Path) -> None:
    src = """
    from opentelemetry import metrics
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider

    metrics.set_meter_provider(MeterProvider(metric_readers=[PrometheusMetricReader()]))
    """
    result = item(check(tmp_path, {"app/otel.py": src}), "observability.integration")
    assert result.status is Status.PASS
    assert (
        result.reason
        == "initialised at start-up: metrics.set_meter_provider() at module level (app/otel.py:5)"
    )
