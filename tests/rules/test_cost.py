"""cost.tracking (TTP701, TTP702) and cost.budgets (TTP533, TTP711–TTP713): what accounts for an
LLM call — in its function, in a caller, in another module, through a helper, process-wide, or a
proxy — and what a budget must be, both ways, at exact lines."""

from __future__ import annotations

from ttaprod.deploy.promql import metric_names, scraped_names
from ttaprod.models import Report, Status

from ..helpers import advice_sites, found, run_check
from ..helpers import item as item_of

CODES = ("TTP701", "TTP702", "TTP711", "TTP712", "TTP713", "TTP533")

LLM = """
from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=30.0)


async def ask(question):
    return await client.chat.completions.create(model="gpt-4o-mini", messages=[])
"""


def _report(project, files: dict[str, str]) -> Report:
    return run_check(project(files), select=CODES)


def rows(report: Report) -> list[tuple[str, int, str]]:
    """Every finding of the cost rules, the sites of an advice finding included."""
    out = []
    for f in found(report, CODES):
        places = advice_sites(f) if "reported once" in f.message else [(f.path, f.line)]
        out.extend((path, line, f.rule) for path, line in places)
    return sorted(out)


def shown(report: Report, item_id: str) -> str:
    result = item_of(report, item_id)
    coverage = f" {result.covered}/{result.total}" if result.total else ""
    return f"{result.status.value}{coverage}"


# --- cost.tracking ----------------------------------------------------------------------------
def test_a_project_without_llm_calls_skips_cost(project) -> None:
    report = _report(project, {"app/main.py": "import httpx\n\nhttpx.get('https://x.io', timeout=5)\n"})
    assert shown(report, "cost.tracking") == "skip"
    assert shown(report, "cost.budgets") == "skip"
    assert "no LLM calls" in item_of(report, "cost.budgets").reason


def test_nothing_accounted_is_one_finding_for_the_project(project) -> None:
    files = {
        "app/llm.py": LLM
        + """

async def embed(text):
    return await client.embeddings.create(model="text-embedding-3-small", input=text)
"""
    }
    report = _report(project, files)
    assert rows(report) == [("app/llm.py", 7, "TTP701"), ("app/llm.py", 11, "TTP701")]
    assert len(found(report, ("TTP701",))) == 1
    assert shown(report, "cost.tracking") == "fail 0/2"


def test_usage_recorded_in_the_function_through_aliases_and_names(project) -> None:
    files = {
        "app/llm.py": """
        from openai import AsyncOpenAI
        from prometheus_client import Counter as C

        client = AsyncOpenAI(timeout=30.0)
        TOKENS = C("llm_tokens", "Tokens.", ["model"])


        async def ask(question):
            response = await client.chat.completions.create(model="gpt-4o-mini", messages=[])
            usage = response.usage
            total = usage.total_tokens
            TOKENS.labels("gpt-4o-mini").inc(total)
            return response
        """
    }
    report = _report(project, files)
    assert rows(report) == []
    assert shown(report, "cost.tracking") == "pass 1/1"
    assert "TOKENS.labels(…).inc()" in item_of(report, "cost.tracking").evidence[0].note


def test_a_metric_and_a_helper_of_another_module(project) -> None:
    files = {
        "app/metrics.py": """
        from prometheus_client import Counter

        TOKENS = Counter("llm_tokens", "Tokens.", ["model"])


        def record_usage(model, tokens):
            TOKENS.labels(model).inc(tokens)
        """,
        "app/llm.py": """
        import logging

        from openai import AsyncOpenAI

        from app.metrics import TOKENS, record_usage

        client = AsyncOpenAI(timeout=30.0)
        log = logging.getLogger(__name__)


        async def ask(question):
            return await client.chat.completions.create(model="gpt-4o-mini", messages=[])


        async def helper_counted(question):
            response = await ask(question)
            record_usage("gpt-4o-mini", response.usage.total_tokens)
            return response


        async def metric_counted(question):
            response = await client.chat.completions.create(model="gpt-4o-mini", messages=[])
            TOKENS.labels("gpt-4o-mini").inc(response.usage.total_tokens)
            return response


        async def logged_only(question):
            response = await client.chat.completions.create(model="gpt-4o-mini", messages=[])
            log.info("tokens %s", response.usage.total_tokens)
            return response
        """,
    }
    report = _report(project, files)
    # ask() is covered by its one caller, which hands usage to the helper; only the logged one
    assert rows(report) == [("app/llm.py", 28, "TTP701")]
    assert shown(report, "cost.tracking") == "fail 2/3"


def test_a_caller_in_another_module_accounts_for_the_call(project) -> None:
    files = {
        "app/llm.py": LLM,
        "app/service.py": """
        from opentelemetry import metrics

        from app.llm import ask

        meter = metrics.get_meter(__name__)
        tokens = meter.create_counter("llm.tokens")


        async def answer(question):
            response = await ask(question)
            tokens.add(response.usage.total_tokens, {"model": "gpt-4o-mini"})
            return response
        """,
    }
    assert rows(_report(project, files)) == []


def test_a_second_caller_without_accounting_uncovers_the_call(project) -> None:
    files = {
        "app/llm.py": LLM,
        "app/service.py": """
        from langfuse.decorators import langfuse_context

        from app.llm import ask


        async def answer(question):
            response = await ask(question)
            langfuse_context.update_current_observation(usage=response.usage)
            return response


        async def batch(questions):
            return [await ask(q) for q in questions]
        """,
    }
    assert rows(_report(project, files)) == [("app/llm.py", 7, "TTP701")]


def test_process_wide_accounting_and_proxies(project) -> None:
    files = {
        "app/setup.py": """
        import litellm
        from langfuse.openai import openai  # the drop-in patches the OpenAI SDK

        litellm.success_callback = ["langfuse"]
        """,
        "app/llm.py": LLM
        + """

import litellm
from anthropic import Anthropic

claude = Anthropic(base_url="https://anthropic.helicone.ai", timeout=30.0)
plain = Anthropic(timeout=30.0)


def lite(q):
    return litellm.completion(model="gpt-4o-mini", messages=[])


def proxied(q):
    return claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=9, messages=[])


def direct(q):
    return plain.messages.create(model="claude-3-5-haiku-latest", max_tokens=9, messages=[])
""",
    }
    report = _report(project, files)
    assert rows(report) == [("app/llm.py", 26, "TTP701")]
    notes = sorted(e.note for e in item_of(report, "cost.tracking").evidence)
    assert any("helicone.ai proxy" in n for n in notes)
    assert any("LiteLLM success callbacks" in n for n in notes)
    assert any("Langfuse OpenAI drop-in" in n for n in notes)


def test_an_empty_callback_list_or_disabled_tta_tracking_accounts_nothing(project) -> None:
    files = {
        "app/setup.py": """
        import litellm
        from ttadev.primitives.config.orchestration_config import CostTrackingConfig

        litellm.success_callback = []
        COST = CostTrackingConfig(enabled=False)
        """,
        "app/llm.py": "import litellm\n\n\ndef lite(q):\n    return litellm.completion(model='m', messages=[])\n",
    }
    assert rows(_report(project, files)) == [("app/llm.py", 5, "TTP701")]


def test_tta_cost_tracking_enabled_accounts_for_the_project(project) -> None:
    files = {
        "app/config.py": """
        from ttadev.primitives.config.orchestration_config import CostTrackingConfig as Cost

        COST = Cost(budget_limit_usd=150.0)
        """,
        "app/llm.py": LLM,
    }
    report = _report(project, files)
    assert rows(report) == []
    assert shown(report, "cost.budgets") == "pass"


def test_the_guides_cost_tracker_does_not_exist(project) -> None:
    files = {
        "app/cost.py": """
        from tta_dev_primitives.observability import CostTracker as Tracker
        import tta_dev_primitives.observability as obs
        from app.billing import CostTracker

        one = Tracker(budget_daily=100.0)
        two = obs.CostTracker(budget_daily=100.0)
        three = CostTracker()
        """,
        "app/billing.py": "class CostTracker:\n    pass\n",
    }
    assert rows(_report(project, files)) == [("app/cost.py", 1, "TTP702"), ("app/cost.py", 6, "TTP702")]


# --- cost.budgets -----------------------------------------------------------------------------
def test_budget_values(project) -> None:
    files = {
        "app/llm.py": LLM,
        "app/cost.py": """
        import litellm
        from ttadev.primitives.config.orchestration_config import CostTrackingConfig

        A = CostTrackingConfig(budget_limit_usd=-5, alert_threshold=1.5)
        B = CostTrackingConfig(budget_limit_usd=10, alert_threshold=0)
        C = CostTrackingConfig(budget_limit_usd=10, alert_threshold=1)
        litellm.max_budget = 0.0
        """,
        "k8s/deploy.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: registry.example.com/api:1.0.0
                  env:
                    - name: TTA_BUDGET_LIMIT_USD
                      value: "-1"
        """,
    }
    report = _report(project, files)
    assert [r for r in rows(report) if r[2] != "TTP701"] == [
        ("app/cost.py", 4, "TTP711"),
        ("app/cost.py", 4, "TTP712"),
        ("app/cost.py", 5, "TTP712"),
        ("app/cost.py", 7, "TTP711"),
        ("k8s/deploy.yaml", 12, "TTP711"),
    ]
    assert item_of(report, "cost.budgets").status is Status.FAIL


def test_a_hard_limit_without_an_alert_warns(project) -> None:
    files = {"app/llm.py": LLM, "app/cost.py": "import litellm\n\nlitellm.max_budget = 50.0\n"}
    report = _report(project, files)
    assert shown(report, "cost.budgets") == "warn"
    assert "no alert" in item_of(report, "cost.budgets").reason


def test_cost_alerts_on_what_the_code_emits(project) -> None:
    rules = """
    groups:
      - name: cost
        rules:
          - alert: TokensBurning
            expr: sum(rate(llm_tokens_total{model=~"gpt.*"}[5m])) by (model) > 1000
          - alert: SpendFromTheGuide
            expr: sum(increase(llm_cost_dollars_total[1d])) > 50
          - alert: BucketedSpend
            expr: histogram_quantile(0.9, sum by (le) (rate(llm_spend_usd_bucket[1h]))) > 1
    """
    files = {
        "app/llm.py": LLM,
        "app/metrics.py": """
        from prometheus_client import Counter, Histogram

        TOKENS = Counter("llm_tokens_total", "Tokens.", ["model"])
        SPEND = Histogram("spend_usd", "Spend per call.", namespace="llm")
        """,
        "monitoring/alerts.yml": rules,
    }
    report = _report(project, files)
    assert [r for r in rows(report) if r[2] != "TTP701"] == [("monitoring/alerts.yml", 6, "TTP713")]
    assert item_of(report, "cost.budgets").status is Status.FAIL


def test_no_budget_with_rule_files_is_ttp533_on_groups(project) -> None:
    files = {
        "app/llm.py": LLM,
        "monitoring/alerts.yml": """
        groups:
          - name: api
            rules:
              - alert: Down
                expr: up == 0
        """,
    }
    report = _report(project, files)
    assert [r for r in rows(report) if r[2] != "TTP701"] == [("monitoring/alerts.yml", 1, "TTP533")]
    assert shown(report, "cost.budgets") == "fail"
    assert "deploy.alerts" not in {f.checklist_item for f in found(report, ("TTP533",))}


def test_promql_metric_names_and_scraped_names() -> None:
    expr = 'sum by (le, route) (rate(http_request_duration_seconds_bucket{route="/q", job=~"$job"}[5m])) / on(job) group_left sum(up offset 5m)'
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "up"}
    assert scraped_names("llm_tokens_total", "counter") == ("llm_tokens_total", "llm_tokens_created")
    assert scraped_names("gen_ai.tokens", "histogram", otel=True)[0] == "gen_ai_tokens_bucket"


def test_usage_returned_kept_or_handed_to_an_object_is_accounted(project) -> None:
    files = {
        "app/llm.py": """
        from openai import AsyncOpenAI

        client = AsyncOpenAI(timeout=30.0)


        async def returned(question):
            response = await client.chat.completions.create(model="m", messages=[])
            return response.choices[0].message.content, response.usage.total_tokens


        class Session:
            def __init__(self, tracker):
                self.tokens = 0
                self.tracker = tracker

            async def kept(self, question):
                response = await client.chat.completions.create(model="m", messages=[])
                self.tokens += response.usage.total_tokens
                return response

            async def tracked(self, question, user):
                response = await client.chat.completions.create(model="m", messages=[])
                self.tracker[user].add_chat_tokens(response.usage.total_tokens)
                return response

            async def only_shown(self, question):
                response = await client.chat.completions.create(model="m", messages=[])
                text = "{} tokens".format(response.usage.total_tokens)
                return text
        """
    }
    assert rows(_report(project, files)) == [("app/llm.py", 27, "TTP701")]


def test_usage_only_shown_in_text_is_not_accounted(project) -> None:
    files = {
        "app/llm.py": """
        import logging

        from openai import OpenAI

        client = OpenAI(timeout=30.0)
        log = logging.getLogger(__name__)


        def answer(question):
            response = client.chat.completions.create(model="m", messages=[])
            note = f"used {response.usage.total_tokens} tokens"
            log.info(note)
            return response.choices[0].message.content + note
        """
    }
    assert rows(_report(project, files)) == [("app/llm.py", 10, "TTP701")]


def test_fixture_verdicts_with_the_preview_rules() -> None:
    """cost.tracking on the fixture services (TTP701 is in preview; the default verdict table
    shows it skipped)."""
    from ..helpers import fixture_report

    shown_by = {
        name: shown(fixture_report(name, preview=True), "cost.tracking")
        for name in ("rag_service_good", "rag_service_bad", "worker_scripts")
    }
    assert shown_by == {
        "rag_service_good": "pass 3/3",
        "rag_service_bad": "fail 0/4",
        "worker_scripts": "fail 0/3",
    }
