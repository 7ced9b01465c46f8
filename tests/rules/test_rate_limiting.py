"""security.rate-limiting: TTP413 llm-client-without-rate-limit (outbound) and TTP414
endpoint-without-rate-limit (inbound), and the item's verdicts (unverifiable inbound is warn)."""

from __future__ import annotations

from ttaprod.models import ItemResult, Report

from ..helpers import advice_sites, run_check
from ..helpers import item as item_of

CODES = ("TTP413", "TTP414")
ITEM = "security.rate-limiting"


def _report(project, files: dict[str, str], **options: object) -> Report:
    options.setdefault("select", CODES)
    options.setdefault("preview", True)  # TTP413 is in preview
    return run_check(project(files), **options)


def judge(project, files: dict[str, str], **options: object) -> tuple[ItemResult, list]:
    """The item, and every finding as a row; TTP413's one advice finding as a row per
    client or call it lists."""
    report = _report(project, files, **options)
    found = [f for f in report.findings if f.rule in CODES]
    out = [
        (path, line, f.rule, f.severity.value)
        for f in found
        for path, line in (advice_sites(f) if f.rule == "TTP413" else [(f.path, f.line)])
    ]
    return item_of(report, ITEM), sorted(out)


OUTBOUND = """
import asyncio

import tenacity
from aiolimiter import AsyncLimiter
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI

shared = AsyncOpenAI(timeout=30.0)
limit = AsyncLimiter(100, 60)
slots = asyncio.Semaphore(4)


@tenacity.retry(stop=tenacity.stop_after_attempt(3))
async def a(q):
    return await shared.chat.completions.create(model="gpt-4o", messages=[])


async def b(q):
    return await shared.embeddings.create(model="text-embedding-3-small", input=q)


async def limited(q):
    async with limit:
        return await shared.chat.completions.create(model="gpt-4o", messages=[])


async def per_call(q):
    claude = AsyncAnthropic(timeout=30.0)
    async with slots:
        return await claude.messages.create(model="claude-3-haiku", max_tokens=9, messages=[])


async def typed(client: AsyncOpenAI, q):
    return await client.chat.completions.create(model="gpt-4o", messages=[])
"""


def test_calls_are_judged_by_client(project) -> None:
    item, found = judge(project, {"app/llm.py": OUTBOUND})
    # `shared`: two of its three calls have no limiter (tenacity retries, it does not limit);
    # the per-call Anthropic client is inside a semaphore; the typed client is judged per call
    assert found == [
        ("app/llm.py", 8, "TTP413", "low"),
        ("app/llm.py", 34, "TTP413", "low"),
    ]
    assert (item.status.value, item.covered, item.total) == ("fail", 2, 5)
    assert item.reason == "2 of 5 LLM calls and endpoints rate-limited"
    report = _report(project, {"app/llm.py": OUTBOUND})
    (message,) = [f.message for f in report.findings if f.rule == "TTP413"]
    # architecture advice: once for the project, the client's calls first, then the others
    assert message.startswith(
        "3 LLM calls have no rate limiter on their path: reported once for the project. First "
        "here: OpenAI client `shared` makes 2 call(s) (line 15, 19) with no rate limiter on "
        "their path"
    )
    assert message.endswith("Also at app/llm.py:34.")
    assert [(e.line, e.note) for e in item.evidence] == [
        (24, "rate-limited by async with limit"),
        (30, "rate-limited by async with slots"),
    ]


def test_limiters_on_callers_in_the_module_and_across_modules(project) -> None:
    files = {
        "app/__init__.py": "",
        "app/llm.py": """
        import litellm
        from openai import OpenAI

        client = OpenAI(timeout=30.0)

        def _raw(q):
            return client.chat.completions.create(model="gpt-4o", messages=[])

        def complete(q):
            return _raw(q)

        def tag(q):
            return litellm.completion(model="gpt-4o-mini", messages=[])
        """,
        "app/jobs.py": """
        from pyrate_limiter import Duration, Limiter, Rate
        from ratelimit import limits, sleep_and_retry

        from app.llm import complete, tag

        bucket = Limiter(Rate(10, Duration.SECOND))

        @sleep_and_retry
        @limits(calls=50, period=60)
        def run(items):
            return [complete(i) for i in items]

        def run_tags(items):
            bucket.try_acquire("tags")
            return [tag(i) for i in items]
        """,
    }
    item, found = judge(project, files)
    assert found == []
    assert (item.status.value, item.covered, item.total) == ("pass", 2, 2)
    assert item.evidence[0].note == "rate-limited by @sleep_and_retry on run() (app/jobs.py:10)"


def test_litellm_router_with_rpm_limits(project) -> None:
    src = """
    import litellm

    limited = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {}, "rpm": 60}])
    open_router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {}}])

    async def a(q):
        return await limited.acompletion(model="m", messages=[])

    async def b(q):
        return await open_router.acompletion(model="m", messages=[])
    """
    item, found = judge(project, {"app/llm.py": src})
    assert found == [("app/llm.py", 4, "TTP413", "low")]
    assert item.evidence[0].note == "rate-limited by limited: a LiteLLM Router with rpm/tpm limits"


ROUTES = """
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/a")
async def a(request: Request):
    return {}


@app.get("/b")
async def b(request: Request):
    return {}
"""


def test_no_limiter_in_code_is_unverifiable_warn(project) -> None:
    item, found = judge(project, {"app/api.py": ROUTES})
    assert found == []
    assert (item.status.value, item.score) == ("warn", 5.0)
    assert item.reason == (
        "no rate limiter in the code for 2 endpoint(s): an API gateway, ingress or load balancer "
        "may apply one, which cannot be verified from code"
    )


def test_slowapi_without_middleware_or_defaults_leaves_routes_open(project) -> None:
    files = {
        "app/limits.py": """
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])
        """,
        "app/api.py": ROUTES.replace(
            '@app.get("/b")\n', '@app.get("/b")\n@limiter.limit("5/minute")\n'
        ).replace("app = FastAPI()", "from app.limits import limiter\n\napp = FastAPI()"),
    }
    item, found = judge(project, files)
    assert found == [("app/api.py", 8, "TTP414", "low")]
    assert (item.status.value, item.covered, item.total) == ("fail", 1, 2)
    report = _report(project, files)
    message = next(f.message for f in report.findings if f.rule == "TTP414")
    assert message.startswith("`GET /a` has no rate limit while the project uses one elsewhere")
    files["app/main.py"] = """
    from slowapi.middleware import SlowAPIMiddleware

    from app.api import app

    app.add_middleware(SlowAPIMiddleware)
    """
    item, found = judge(project, files)
    assert (item.status.value, item.covered, item.total, found) == ("pass", 2, 2, [])


def test_flask_limiter_defaults_exempt_and_fastapi_limiter(project) -> None:
    files = {
        "app/web.py": """
        from flask import Flask
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        web = Flask(__name__)
        limiter = Limiter(get_remote_address, app=web, default_limits=["200 per hour"])

        @web.get("/x")
        def x():
            return {}

        @web.get("/healthz")
        @limiter.exempt
        def healthz():
            return {}
        """,
        "app/api.py": """
        from fastapi import APIRouter, Depends, FastAPI
        from fastapi_limiter.depends import RateLimiter

        app = FastAPI()
        limited = APIRouter(dependencies=[Depends(RateLimiter(times=5, seconds=60))])

        @limited.get("/quote")
        async def quote():
            return {}

        @app.get("/one", dependencies=[Depends(RateLimiter(times=1, seconds=1))])
        async def one():
            return {}

        @app.get("/param")
        async def param(_=Depends(RateLimiter(times=1, seconds=1))):
            return {}
        """,
    }
    item, found = judge(project, files)
    assert found == []
    assert (item.status.value, item.covered, item.total) == ("pass", 4, 4)


def test_lambda_only_and_nothing_at_all(project) -> None:
    item, found = judge(project, {"app/fn.py": "def handler(event, context):\n    return {}\n"})
    assert (item.status.value, found) == ("skip", [])
    assert item.reason == "no LLM calls and no web endpoints found"


def test_selection_suppression_and_partial_runs(project) -> None:
    src = """
    from openai import OpenAI

    client = OpenAI(timeout=30.0)  # ttaprod: ignore[TTP413]

    def a(q):
        return client.chat.completions.create(model="gpt-4o", messages=[])
    """
    item, found = judge(project, {"app/llm.py": src})
    assert (item.status.value, item.covered, item.total, found) == ("pass", 1, 1, [])
    item, found = judge(project, {"app/llm.py": src}, select=("TTP101",))
    assert item.status.value == "skip"


def test_dynamic_registrations_are_not_endpoints(project) -> None:
    src = """
    from fastapi import FastAPI

    app = FastAPI()

    def register(path, endpoint):
        app.add_api_route(path, endpoint)
    """
    item, found = judge(project, {"app/api.py": src})
    assert (item.status.value, found) == ("skip", [])


def test_probes_metrics_and_sso_handoffs_are_not_limited(project) -> None:
    """Health, readiness, liveness and metrics routes (and a path a compose healthcheck calls)
    must answer every probe; SSO redirects and callbacks check no credential. A password or LDAP
    login next to them, and a route merely named like a status, still need a limit."""
    files = {
        "app/api.py": """
        from flask import Flask
        from flask_limiter import Limiter

        app = Flask(__name__)
        limiter = Limiter(app=app, key_func=lambda: "k")


        @app.route("/login", methods=["POST"])
        @limiter.limit("10/minute")
        def login():
            return "ok"


        @app.route("/healthcheck")
        def healthcheck():
            return "ok"


        @app.route("/ping")
        def ping():
            return "PONG."


        @app.route("/api/v1/readyz")
        def readyz():
            return "ok"


        @app.route("/metrics")
        def metrics():
            return ""


        @app.route("/internal/alive-check")
        def alive_check():
            return "ok"


        @app.route("/saml/login")
        def saml_login():
            return "redirect"


        @app.route("/<org_slug>/oauth/google")
        def google_oauth(org_slug):
            return "redirect"


        @app.route("/auth/callback", methods=["POST"])
        def auth_callback():
            return "ok"


        @app.route("/ldap/login", methods=["POST"])
        def ldap_login():
            return "ok"


        @app.route("/jobs/<job_id>/status")
        def job_status(job_id):
            return "running"


        @app.route("/webhooks/callback", methods=["POST"])
        def webhook_callback():
            return "ok"
        """,
        "docker-compose.yml": """
        services:
          api:
            build: .
            healthcheck:
              test: ["CMD", "curl", "-f", "http://localhost:8000/internal/alive-check"]
        """,
    }
    item, found = judge(project, files)
    assert [line for _, line, _, _ in found] == [54, 59, 64]
    assert (item.covered, item.total) == (1, 4)


def test_sso_routes_with_computed_paths_and_oauth_server_endpoints(project) -> None:
    """A route whose path is computed (`org_scoped_rule("/saml/login")`) is judged by its
    module: an SSO module's hand-offs are not limited, an LDAP login is. An OAuth server's
    token endpoint checks client credentials and is limited like a login."""
    limits = """
    from flask import Flask
    from flask_limiter import Limiter

    app = Flask(__name__)
    limiter = Limiter(app=app, key_func=lambda: "k")


    @app.route("/login", methods=["POST"])
    @limiter.limit("10/minute")
    def login():
        return "ok"


    @app.route("/oauth/token", methods=["POST"])
    def token():
        return "ok"
    """
    saml = """
    from flask import Blueprint

    from app.routing import org_scoped_rule

    blueprint = Blueprint("saml_auth", __name__)


    @blueprint.route(org_scoped_rule("/saml/callback"), methods=["POST"])
    def idp_initiated(org_slug=None):
        return "ok"
    """
    ldap = saml.replace("saml_auth", "ldap_auth").replace("/saml/callback", "/ldap/login")
    files = {"app/api.py": limits, "app/saml_auth.py": saml, "app/ldap_auth.py": ldap}
    item, found = judge(project, files)
    assert found == [("app/api.py", 14, "TTP414", "low"), ("app/ldap_auth.py", 8, "TTP414", "low")]
