"""TTP112 swallowed-exception, TTP113 error-log-without-exc-info, TTP114
error-log-without-correlation-id (errors.logging): tricky cases both ways, exact lines,
severities, site counts, and the project-level correlation judgement."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ttaprod.checks import DETECTORS
from ttaprod.config import Config
from ttaprod.engine.analyze import FileTask, analyze_file
from ttaprod.engine.project import ProjectIndex
from ttaprod.items.error_logging import correlation_item
from ttaprod.models import Report

from ..helpers import coverage as coverage_of
from ..helpers import item as item_of
from ..helpers import rows as rows_of
from ..helpers import run_check

Row = tuple[str, int, str, str]  # path, line, rule, severity
CODES = ("TTP112", "TTP113", "TTP114")


def _run(project, files: dict[str, str], codes: tuple[str, ...]) -> Report:
    return run_check(project(files), select=codes)


def check(project, files: dict[str, str], *codes: str) -> list[Row]:
    return rows_of(_run(project, files, codes or CODES), codes or CODES)


def item(report: Report, item_id: str = "errors.logging") -> tuple[int, int, str]:
    return (*coverage_of(report, item_id), item_of(report, item_id).status.value)


# --- TTP112 ---------------------------------------------------------------------------------------
def test_pass_only_handlers_broad_medium_operational_low_idioms_and_control_flow_quiet(
    project,
) -> None:
    src = """
    import asyncio
    import queue


    def work(q: queue.Queue, task: asyncio.Task, items: list[str]) -> None:
        try:
            q.get_nowait()
        except queue.Empty:
            pass
        try:
            task.cancel()
        except asyncio.CancelledError:
            pass
        for item in items:
            try:
                int(item)
            except (ValueError, TypeError):
                continue
        try:
            task.result()
        except:
            ...
        try:
            task.result()
        except Exception as exc:
            pass
        try:
            import orjson  # noqa: F401
        except ImportError:
            pass
        try:
            open("/run/app.pid").read()
        except (ValueError, OSError):
            pass
    """
    # (ValueError, TypeError) after int(): a parse attempt that falls back, not a failure
    assert check(project, {"app/jobs.py": src}, "TTP112") == [
        ("app/jobs.py", 21, "TTP112", "medium"),
        ("app/jobs.py", 25, "TTP112", "medium"),
        ("app/jobs.py", 33, "TTP112", "low"),
    ]


def test_broad_handlers_that_log_report_raise_or_hand_on_are_not_swallowed(project) -> None:
    src = """
    import logging
    import traceback

    import sentry_sdk
    import structlog

    logger = logging.getLogger(__name__)
    log = structlog.get_logger().bind(job="sync")


    def a(job) -> None:
        try:
            job()
        except Exception:
            log.warning("job_failed", exc_info=True)


    def b(job) -> None:
        try:
            job()
        except Exception:
            sentry_sdk.capture_exception()


    def c(job) -> None:
        try:
            job()
        except BaseException:
            traceback.print_exc()


    def d(job, errors: list) -> None:
        try:
            job()
        except Exception as exc:
            errors.append(exc)


    def e(job) -> None:
        try:
            job()
        except Exception:
            if job.critical:
                raise


    def f(job, span) -> int:
        try:
            job()
        except Exception as exc:
            span.record_exception(exc)
        return 0


    def g(job) -> int | None:
        try:
            return job()
        except Exception:
            return None


    def h(job) -> int:
        try:
            return job()
        except (KeyError, Exception):
            metrics_failed = 1
            return metrics_failed
    """
    assert check(project, {"app/jobs.py": src}, "TTP112") == [
        ("app/jobs.py", 58, "TTP112", "medium"),
        ("app/jobs.py", 65, "TTP112", "medium"),
    ]


def test_one_line_handlers_star_handlers_and_exception_aliases(project) -> None:
    src = """
    from builtins import Exception as Oops


    def a(job) -> None:
        try: job()
        except Oops: pass


    def b(job) -> None:
        try:
            job()
        except* OSError:
            pass


    def c(job) -> None:
        try:
            job()
        except Oops:
            '''Deliberately ignored.'''
    """
    assert check(project, {"app/jobs.py": src}, "TTP112") == [
        ("app/jobs.py", 6, "TTP112", "medium"),
        ("app/jobs.py", 12, "TTP112", "low"),
        ("app/jobs.py", 19, "TTP112", "medium"),
    ]


def test_tests_are_not_checked_and_suppression_works(project) -> None:
    src = """
    def test_it(job):
        try:
            job()
        except Exception:
            pass
    """
    svc = """
    def run(job) -> None:
        try:
            job()
        except Exception:  # ttaprod: ignore[TTP112] best effort clean-up
            pass
    """
    report = _run(project, {"tests/test_jobs.py": src, "app/jobs.py": svc}, CODES)
    assert [f for f in report.findings if f.rule in CODES] == []
    assert item(report) == (1, 1, "pass")


# --- TTP113 ---------------------------------------------------------------------------------------
def test_error_and_warning_logs_without_exc_info(project) -> None:
    src = """
    import logging

    import structlog
    from loguru import logger as lg

    logger = logging.getLogger(__name__)
    log = structlog.get_logger()


    def sync(batch) -> None:
        bound = log.bind(batch_id=batch.id)
        try:
            batch.push()
        except TimeoutError as exc:
            logger.error("push timed out: %s", exc)
            bound.warning("push_timed_out")
            logging.log(logging.WARNING, "push timed out")
            logger.info("will retry")
            logger.error("push timed out", exc_info=False)
        except ConnectionError:
            lg.error("push failed")
            lg.opt(exception=True).error("push failed")
            logger.critical("push failed", exc_info=True)
            logger.exception("push failed")
            bound.error("push_failed", exc_info=1)
            return None
    """
    assert check(project, {"app/sync.py": src}, "TTP113") == [
        ("app/sync.py", 15, "TTP113", "low"),
        ("app/sync.py", 16, "TTP113", "low"),
        ("app/sync.py", 17, "TTP113", "low"),
        ("app/sync.py", 19, "TTP113", "low"),
    ]  # not 21: the other logs of its handler keep the traceback


def test_logs_in_nested_handlers_and_functions_are_judged_once_or_not_at_all(project) -> None:
    src = """
    import logging

    logger = logging.getLogger(__name__)


    def sync(batch) -> None:
        try:
            batch.push()
        except Exception:
            try:
                batch.rollback()
            except Exception:
                logger.error("rollback failed")

            def later() -> None:
                logger.error("deferred")

            batch.on_close(later)
            raise
        logger.error("not in a handler")
    """
    report = _run(project, {"app/sync.py": src}, ("TTP112", "TTP113"))
    assert [(f.line, f.rule) for f in report.findings] == [(13, "TTP113")]
    # two handlers: the inner one is uncovered, the outer one re-raises and logs nothing itself
    assert item(report) == (1, 2, "fail")


# --- TTP114 ---------------------------------------------------------------------------------------
SERVICE = """
import logging

logger = logging.getLogger(__name__)


def handle(event, cid: str) -> None:
    adapter = logging.LoggerAdapter(logger, {"correlation_id": cid})
    try:
        event.process()
    except ValueError:
        logger.exception("bad event")
    except KeyError:
        logger.error("missing field", exc_info=True, extra={"request_id": cid})
    except TimeoutError:
        adapter.exception("timed out")
    except OSError:
        logger.warning("retrying", exc_info=True)
    except Exception:
        logger.critical("processing failed", exc_info=True)
        raise


from celery import Celery  # noqa: E402  a worker: its jobs are what a correlation id ties together

worker = Celery("events")
"""


def test_error_logs_without_correlation_in_a_project_that_binds_none(project) -> None:
    report = _run(project, {"app/handler.py": SERVICE}, CODES)
    rows = sorted((f.path, f.line, f.rule, f.severity.value) for f in report.findings)
    assert rows == [
        ("app/handler.py", 11, "TTP114", "low"),
        ("app/handler.py", 19, "TTP114", "low"),
    ]
    finding = next(f for f in report.findings if f.line == 11)
    assert finding.column == 9 and finding.checklist_item == "errors.logging"
    assert finding.snippet.strip() == 'logger.exception("bad event")'
    # five handlers: three carry the id or log no error, two do not
    assert item(report) == (3, 5, "fail")


def test_one_binding_anywhere_clears_the_project(project) -> None:
    middleware = """
    import structlog


    async def correlation(request, call_next):
        structlog.contextvars.bind_contextvars(correlation_id=request.headers["X-Request-ID"])
        return await call_next(request)
    """
    report = _run(project, {"app/handler.py": SERVICE, "app/middleware.py": middleware}, CODES)
    assert [f for f in report.findings if f.rule in CODES] == []
    result = next(r for r in report.checklist if r.id == "errors.logging")
    assert (result.covered, result.total) == (5, 5)
    assert any(e.path == "app/middleware.py" and e.line == 5 for e in result.evidence)


def test_bindings_filters_and_integrations(project) -> None:
    filters = """
    import logging

    from app.context import REQUEST_ID


    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.request_id = REQUEST_ID.get()
            return True
    """
    middleware = """
    from asgi_correlation_id import CorrelationIdMiddleware
    from fastapi import FastAPI

    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)
    """
    unrelated = """
    import logging
    import structlog


    class Quiet(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "healthz" not in record.getMessage()


    structlog.contextvars.bind_contextvars(user_id="u1")
    """
    for extra in (filters, middleware):
        files = {"app/handler.py": SERVICE, "app/extra.py": extra}
        assert check(project, files, "TTP114") == []
    files = {"app/handler.py": SERVICE, "app/extra.py": unrelated}
    assert [r[1] for r in check(project, files, "TTP114")] == [11, 19]


def test_pending_correlation_findings_can_be_suppressed(project) -> None:
    src = """
    import logging


    def run(job) -> None:
        try:
            job()
        except Exception:
            logging.exception("job failed")  # ttaprod: ignore[TTP114]
        try:
            job()
        except Exception:
            # ttaprod: ignore[TTP114]
            logging.exception("job failed again")
    """
    report = _run(project, {"app/jobs.py": src}, CODES)
    assert [f for f in report.findings if f.rule in CODES] == []
    assert item(report) == (2, 2, "pass")


def test_partial_runs_do_not_judge_correlation(project) -> None:
    report = _run(project, {"app/handler.py": SERVICE}, CODES)
    assert [f.rule for f in report.findings].count("TTP114") == 2
    # the project check on an index marked partial (a pre-commit run on some files)
    root = Path(report.root)
    result = analyze_file(
        FileTask(str(root / "app/handler.py"), "app/handler.py", frozenset(CODES)), DETECTORS
    )
    config = Config(preview=True)  # TTP114 is in preview
    index = ProjectIndex(root, config, (result,), ("app/handler.py",), (), 10, facts=result.facts)
    default = next(r for r in report.checklist if r.id == "errors.logging")
    judged, findings = correlation_item(index, replace(default, covered=3, total=3))
    assert len(findings) == 2 and judged.total == 5
    partial = replace(index, partial=True)
    untouched = replace(default, covered=3, total=3)
    assert correlation_item(partial, untouched) == (untouched, ())


def test_loggers_imported_from_the_project_are_recognised_by_name(project) -> None:
    logmod = """
    import logging

    logger = logging.getLogger("svc")
    """
    src = """
    import sys

    from app.log import logger


    class Worker:
        def __init__(self, log) -> None:
            self.log = log

        def run(self, job) -> None:
            try:
                job()
            except Exception:
                logger.exception("job failed")
            try:
                job()
            except Exception:
                self.log.error("job failed")
            try:
                job()
            except BaseException:
                job.throw(*sys.exc_info())
            try:
                job()
            except Exception:
                self.other.error("job failed")
            try:
                job()
            except Exception:
                self.other.done("job failed")
    """
    files = {"app/log.py": logmod, "app/worker.py": src}
    # `self.other.error(...)` is not read as a log line (no TTP113), but a call named `error`
    # hands the failure on: not swallowed; `self.other.done(...)` does not
    assert check(project, files, "TTP112", "TTP113") == [
        ("app/worker.py", 18, "TTP113", "low"),
        ("app/worker.py", 29, "TTP112", "medium"),
    ]


# --- TTP112: what happens is observable, or the failure is the answer --------------------------
def test_predicates_parse_fallbacks_and_lookups_are_not_swallowed(project) -> None:
    """A predicate (`is_valid_url`), a parse or conversion fallback, an optional lookup: the
    failure is the answer. The same shapes after I/O or a call of the project still hide an
    outage."""
    src = """
    import json
    from urllib.parse import urlparse

    import requests
    from dateutil.parser import parse as parse_date

    from app.storage import S3Helper


    def is_valid_url(url: str) -> bool:
        try:
            result = urlparse(url.strip())
            return all([result.scheme, result.netloc])
        except Exception:
            return False


    def is_connected() -> bool:
        try:
            response = requests.head("https://www.example.com", timeout=3)
            return response.status_code == 200
        except Exception:
            return False


    class Plugin:
        @property
        def broken(self) -> bool:
            try:
                self.registry.get(self.slug)
                return False
            except Exception:
                return True


    def to_number(value):
        try:
            return int(value)
        except BaseException:
            return value


    def meta_of(raw: str) -> dict:
        try:
            meta = json.loads(raw)
        except Exception:
            meta = {}
        return meta


    def as_date(value, fmt):
        try:
            parsed = parse_date(value)
            ret = parsed.strftime(fmt)
        except Exception:
            return value
        return ret


    def summary_of(meta: dict, summary) -> None:
        try:
            meta["summary"] = [s.model_dump() if hasattr(s, "model_dump") else dict(s) for s in summary]
        except Exception:
            meta["summary"] = list(summary)


    def cached(cache: dict, key):
        try:
            return cache[key]
        except Exception:
            return None


    def previous_content(path: str):
        try:
            return S3Helper().read_from_s3(path)
        except Exception:
            return False


    def fetch_or_default(url: str):
        try:
            return requests.get(url, timeout=5).json()
        except Exception:
            return {}


    def drop(cache: dict, key) -> None:
        try:
            del cache[key]
        except Exception:
            pass


    def push(queue, item) -> None:
        try:
            queue.push(item)
        except Exception:
            pass
    """
    assert check(project, {"app/svc.py": src}, "TTP112") == [
        ("app/svc.py", 77, "TTP112", "medium"),
        ("app/svc.py", 84, "TTP112", "medium"),
        ("app/svc.py", 98, "TTP112", "medium"),
    ]


def test_project_loggers_reporters_and_messages_are_observable(project) -> None:
    """A logger reached through an accessor, a custom log method with exc_info, a message to
    the user, the project's own error reporter, an error value or a metric: not swallowed."""
    src = """
    from rich.console import Console

    console = Console()


    class Connector:
        def cancel_all(self, tasks) -> list:
            try:
                self.gather(tasks)
            except Exception:
                self.logger().network("Unexpected error cancelling orders.", exc_info=True)
            try:
                self.gather(tasks)
            except Exception:
                self.logger().exception("Unexpected error while listening. Retrying...")
            try:
                self.gather(tasks)
            except Exception:
                console.print("Set it up later with: app setup")
            try:
                self.gather(tasks)
            except Exception:
                self.report_failure("cancel")
            try:
                self.gather(tasks)
            except Exception:
                return {"error": "cancel failed"}
            try:
                self.gather(tasks)
            except Exception:
                CANCEL_FAILURES.inc()
            try:
                self.gather(tasks)
            except Exception:
                self.backoff += 5
            return []
    """
    assert check(project, {"app/connector.py": src}, "TTP112") == [
        ("app/connector.py", 34, "TTP112", "medium"),
    ]


# --- TTP113: only where the traceback is needed and lost ---------------------------------------
def test_exc_info_only_for_unexpected_failures_that_are_not_re_raised(project) -> None:
    src = """
    import logging

    import tiktoken
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from app.errors import TemporaryError

    logger = logging.getLogger(__name__)

    try:
        import couchbase
    except ImportError:
        logger.warning("couchbase is not installed: the runner is disabled")


    def encoding(model: str):
        try:
            return tiktoken.encoding_for_model(model)
        except KeyError:
            logger.warning("model not found, using cl100k_base")
            return tiktoken.get_encoding("cl100k_base")


    def create(db, row):
        try:
            db.add(row)
            db.commit()
        except IntegrityError:
            logger.warning("duplicate row")
            raise ValueError("duplicate")
        except SQLAlchemyError as err:
            logger.error(f"Error while creating row: {err}")
            return None


    def upload(client, key, body):
        try:
            client.put_object(Bucket="b", Key=key, Body=body)
        except Exception as e:
            logger.error(e)
            raise e


    def call(f, retries):
        try:
            return f()
        except TemporaryError as ex:
            logger.warning(f"retrying: {ex}")
            return call(f, retries - 1)
        except Exception as ex:
            logger.warning(f"giving up: {ex}")
            raise RuntimeError("gave up") from ex


    def feedback(layer, item):
        try:
            layer.upsert(item)
        except Exception as e:
            logger.error(f"Error upserting feedback: {e}")
        except BaseException as e:
            logger.error(f"interrupted: {e}")
            raise RuntimeError("interrupted")
    """
    assert check(project, {"app/svc.py": src}, "TTP113") == [
        ("app/svc.py", 32, "TTP113", "low"),
        ("app/svc.py", 59, "TTP113", "low"),
        ("app/svc.py", 61, "TTP113", "low"),
    ]


def test_correlation_ids_only_where_requests_messages_or_jobs_are_handled(project) -> None:
    """Import-time code (a settings check, an optional import), `main()`, CLI commands, start-up
    hooks and what only they call run once: nothing to correlate. A helper that a route also
    calls runs per request."""
    src = """
    import logging

    import click
    from fastapi import FastAPI

    logger = logging.getLogger(__name__)
    app = FastAPI()

    try:
        import orjson
    except ImportError:
        logger.error("orjson missing: falling back to json")


    def load_config(path):
        try:
            return open(path).read()
        except OSError:
            logger.error("cannot read %s", path)


    def migrate(db):
        try:
            db.migrate()
        except Exception:
            logger.exception("migration failed")


    @app.on_event("startup")
    def warm_up():
        try:
            app.state.cache = load_config("cache.json")
        except Exception:
            logger.exception("warm-up failed")


    @click.command()
    def reindex():
        try:
            migrate(None)
        except Exception:
            logger.exception("reindex failed")


    def main():
        load_config("app.toml")
        try:
            migrate(None)
        except Exception:
            logger.exception("start-up failed")


    def shared(db):
        try:
            db.ping()
        except Exception:
            logger.exception("ping failed")


    @app.get("/orders")
    def orders(db=None):
        shared(db)
        try:
            return db.orders()
        except Exception:
            logger.exception("orders failed")
            return []


    if __name__ == "__main__":
        main()
        shared(None)
    """
    assert check(project, {"app/api.py": src}, "TTP114") == [
        ("app/api.py", 57, "TTP114", "low"),
        ("app/api.py", 66, "TTP114", "low"),
    ]


def test_no_correlation_to_judge_without_requests_messages_or_jobs(project) -> None:
    """A trading client or a CLI tool serves no request: its error logs have nothing to be
    correlated with. A message handler (a bot) or a web route makes the same code judged."""
    src = """
    import logging

    logger = logging.getLogger(__name__)


    class MarketData:
        def poll(self, connector) -> None:
            try:
                connector.fetch()
            except Exception:
                logger.error("polling failed", exc_info=True)
    """
    bot = """
    from telegram.ext import ApplicationBuilder, CommandHandler

    application = ApplicationBuilder().token("T").build()
    application.add_handler(CommandHandler("start", lambda update, context: None))
    """
    report = _run(project, {"app/market.py": src}, CODES)
    assert report.findings == ()
    assert item(report) == (1, 1, "pass")
    assert check(project, {"app/market.py": src, "app/bot.py": bot}, "TTP114") == [
        ("app/market.py", 11, "TTP114", "low"),
    ]


def test_a_warning_next_to_a_call_that_keeps_the_traceback_is_not_ttp113(project) -> None:
    src = """
    import logging

    log = logging.getLogger(__name__)


    def run(job):
        try:
            job()
        except Exception as e:
            log.warning("job failed")
            log.exception(e)


    def run_quietly(job):
        try:
            job()
        except Exception:
            log.warning("job failed")
    """
    assert check(project, {"app/jobs.py": src}, "TTP113") == [
        ("app/jobs.py", 18, "TTP113", "low")
    ]
