"""observability.structured-logging, project half: JSON logging configured or not, combined
with the sites result (coverage kept, never raised)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod.models import Status

from .helpers import check, evidence, item

ITEM = "observability.structured-logging"
LOGS = """
import logging

log = logging.getLogger(__name__)


def run(order_id: int) -> None:
    log.info("order_created", extra={"order_id": order_id})
    log.info("order_paid", extra={"order_id": order_id})
"""
STRUCTLOG = """
import structlog

structlog.configure(processors=[structlog.processors.JSONRenderer()])
"""


def test_json_renderer_keeps_the_sites_result_and_shows_the_configuration(
    tmp_path: Path,
) -> None:
    report = check(tmp_path, {"app/orders.py": LOGS, "app/logging_setup.py": STRUCTLOG})
    result = item(report, ITEM)
    assert (result.status, result.score, result.covered, result.total) == (
        Status.PASS,
        10.0,
        2,
        2,
    )
    assert result.reason == (
        "2 of 2 log calls structured; JSON logs: JSONRenderer from structlog "
        "(app/logging_setup.py:3)"
    )
    assert evidence(result) == [
        ("app/logging_setup.py", 3, "JSONRenderer from structlog"),
        ("app/orders.py", 7, "structured"),
        ("app/orders.py", 8, "structured"),
    ]


def test_without_json_logging_the_item_is_capped_at_warn(tmp_path: Path) -> None:
    report = check(tmp_path, {"app/orders.py": LOGS})
    result = item(report, ITEM)
    assert (result.status, result.score, result.covered, result.total) == (
        Status.WARN,
        5.0,
        2,
        2,
    )
    assert (
        result.reason == "2 of 2 log calls structured; no JSON log formatter: plain-text log lines"
    )


def test_never_raises_a_failing_sites_result(tmp_path: Path) -> None:
    bad = """
    import logging

    log = logging.getLogger(__name__)


    def run(order_id: int) -> None:
        print("order", order_id)
        log.info(f"order {order_id}")
        log.info("order_paid")
    """
    without = item(check(tmp_path / "a", {"app/orders.py": bad}, preview=True), ITEM)
    files = {"app/orders.py": bad, "app/logging_setup.py": STRUCTLOG}
    with_json = item(check(tmp_path / "b", files, preview=True), ITEM)  # TTP203 in preview
    assert (with_json.status, with_json.covered, with_json.total) == (Status.FAIL, 1, 3)
    assert without.status is Status.FAIL
    assert with_json.score is not None and without.score is not None
    assert with_json.score == pytest.approx(3.33, abs=0.01)
    assert without.score <= with_json.score


@pytest.mark.parametrize(
    ("files", "note"),
    [
        (
            {
                "app/log.py": """
                import logging
                from pythonjsonlogger.json import JsonFormatter

                handler = logging.StreamHandler()
                handler.setFormatter(JsonFormatter())
                """
            },
            ("app/log.py", 5, "JsonFormatter from pythonjsonlogger"),
        ),
        (
            {
                "app/settings.py": """
                LOGGING = {
                    "version": 1,
                    "formatters": {
                        "json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter"},
                    },
                }
                """
            },
            (
                "app/settings.py",
                4,
                "JsonFormatter from pythonjsonlogger, named in a logging config",
            ),
        ),
        (
            {
                "app/log.py": """
                import json_log_formatter


                class Formatter(json_log_formatter.JSONFormatter):
                    pass
                """
            },
            ("app/log.py", 4, "JSONFormatter from json_log_formatter, subclassed"),
        ),
        (
            {
                "app/log.py": """
                import sys

                from loguru import logger

                logger.add(sys.stdout, serialize=True)
                """
            },
            ("app/log.py", 5, "add(serialize=True) from loguru"),
        ),
        (
            {
                "logging.yaml": """
                version: 1
                formatters:
                  json:
                    (): ecs_logging.StdlibFormatter
                """
            },
            ("logging.yaml", 4, "StdlibFormatter from ecs_logging, named in a logging config"),
        ),
    ],
    ids=["formatter", "dictconfig", "subclass", "loguru", "config-file"],
)
def test_every_way_to_configure_json_logs(
    tmp_path: Path, files: dict[str, str], note: tuple[str, int, str]
) -> None:
    result = item(check(tmp_path, {"app/orders.py": LOGS, **files}), ITEM)
    assert result.status is Status.PASS
    assert evidence(result)[0] == note


def test_look_alikes_do_not_count(tmp_path: Path) -> None:
    files = {
        "app/orders.py": LOGS,
        "app/log.py": """
            import sys

            import structlog
            from loguru import logger

            structlog.configure(processors=[structlog.dev.ConsoleRenderer()])
            logger.add(sys.stdout, serialize=False)
            FORMAT = "pythonjsonlogger"
        """,
        "tests/conftest.py": STRUCTLOG,
    }
    assert item(check(tmp_path, files), ITEM).status is Status.WARN


def test_no_log_calls_stays_skip(tmp_path: Path) -> None:
    result = item(check(tmp_path, {"app/logging_setup.py": STRUCTLOG}), ITEM)
    assert (result.status, result.score) == (Status.SKIP, None)
    assert result.reason == (
        "no log calls found; JSON logging is configured (app/logging_setup.py:3)"
    )
    assert item(check(tmp_path / "none", {"app/x.py": "X = 1\n"}), ITEM).reason == (
        "no log calls found"
    )
