"""TTP411 endpoint-parameter-not-validated and TTP412 raw-request-data-not-validated
(security.input-validation): endpoints of each framework, both ways, at exact lines."""

from __future__ import annotations

from ttaprod.models import Finding, ItemResult, Report

from ..helpers import found, run_check
from ..helpers import item as item_of

CODES = ("TTP411", "TTP412")
ITEM = "security.input-validation"


def _report(project, src: str, path: str = "app/api.py", codes: tuple[str, ...] = CODES) -> Report:
    return run_check(project({path: src}), select=codes)


def findings(project, src: str, path: str = "app/api.py") -> list[Finding]:
    return found(_report(project, src, path), CODES)


def rows(project, src: str, path: str = "app/api.py") -> list[tuple[int, str, str]]:
    return [(f.line, f.rule, f.severity.value) for f in findings(project, src, path)]


def item(project, src: str, path: str = "app/api.py", **kw) -> ItemResult:
    return item_of(_report(project, src, path, **kw), ITEM)


def test_fastapi_parameters_that_accept_anything(project) -> None:
    src = """
    from typing import Annotated, Any, Dict, Optional

    from fastapi import Body, FastAPI

    app = FastAPI()

    @app.post("/a")
    async def a(body: dict, meta: Dict[str, Any], items: list[dict], note: Optional[Any] = None):
        return body

    @app.post("/b")
    async def b(payload: Annotated[dict, Body()], extra: dict | None = None, raw: object = None):
        return payload

    @app.get("/c/{item_id}")
    async def c(item_id, q=None):
        return item_id
    """
    found = findings(project, src)
    assert [(f.line, f.rule, f.severity.value) for f in found] == [
        (8, "TTP411", "medium"),
        (8, "TTP411", "medium"),
        (8, "TTP411", "medium"),
        (8, "TTP411", "medium"),
        (12, "TTP411", "medium"),
        (12, "TTP411", "medium"),
        (12, "TTP411", "medium"),
        (16, "TTP411", "medium"),
        (16, "TTP411", "medium"),
    ]
    messages = [f.message for f in found]
    assert (
        "a() takes `body: dict`, which FastAPI accepts without validating its fields." in messages
    )
    assert (
        "a() takes `items: dict`, which FastAPI accepts without validating its fields." in messages
    )
    assert (
        "b() takes `payload: dict`, which FastAPI accepts without validating its fields."
        in messages
    )
    assert (
        "c() takes `item_id` with no type, so FastAPI passes any value through unvalidated."
        in messages
    )
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("fail", 0, 3)


def test_typed_models_constraints_dependencies_and_framework_types(project) -> None:
    src = """
    from typing import Annotated

    from fastapi import BackgroundTasks, Depends, FastAPI, Path, Query, Request, Response
    from pydantic import BaseModel

    from app.models import Order

    app = FastAPI()

    class Item(BaseModel):
        name: str

    def current_user(request: Request) -> str:
        return "u"

    UserDep = Annotated[str, Depends(current_user)]

    @app.post("/items/{item_id}")
    async def put_item(
        item_id: Annotated[int, Path(ge=1)],
        item: Item,
        order: Order,
        user: UserDep,
        other: str = Depends(current_user),
        tags: list[str] = Query(default=[]),
        request: Request = None,
        response: Response = None,
        tasks: BackgroundTasks = None,
    ) -> dict:
        return {}

    @app.get("/health")
    async def health() -> dict:
        return {"ok": True}
    """
    assert rows(project, src) == []
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("pass", 2, 2)
    assert [(e.line, e.note) for e in result.evidence] == [
        (19, "typed parameters"),
        (33, "no request data"),
    ]


def test_raw_reads_in_fastapi_starlette_and_flask(project) -> None:
    src = """
    import json

    from fastapi import FastAPI, Request, WebSocket
    from flask import Flask, request
    from starlette.routing import Route

    api = FastAPI()
    web = Flask(__name__)

    @api.post("/a")
    async def a(request: Request):
        data = await request.json()
        form = await request.form()
        return {"x": data["x"], "y": form["y"]}

    @api.websocket("/ws")
    async def ws(websocket: WebSocket):
        message = await websocket.receive_json()
        return message

    async def hook(request):
        event = json.loads(await request.body())
        return event

    @web.route("/f", methods=["POST"])
    def f():
        name = request.form["name"]
        body = request.get_json(silent=True) or {}
        return {"name": name, "v": request.json["v"], "d": request.data, "all": request.values}

    routes = [Route("/hook", hook, methods=["POST"])]
    """
    # form fields read one by one (lines 13 and 27) are strings: not reported
    assert rows(project, src) == [
        (12, "TTP412", "medium"),
        (18, "TTP412", "medium"),
        (22, "TTP412", "medium"),
        (28, "TTP412", "medium"),
        (29, "TTP412", "medium"),
        (29, "TTP412", "medium"),
        (29, "TTP412", "medium"),
    ]
    found = findings(project, src)
    assert found[0].message == (
        "a() reads `request.json()` and uses it without validating it against a schema."
    )


def test_validators_direct_through_names_comprehensions_and_decorators(project) -> None:
    src = """
    import jsonschema
    from fastapi import FastAPI, Request
    from flask import Flask, request
    from marshmallow import Schema, fields
    from pydantic import BaseModel, TypeAdapter
    from webargs.flaskparser import use_args

    from app.forms import SignupForm

    api = FastAPI()
    web = Flask(__name__)
    SCHEMA = {"type": "object"}

    class Order(BaseModel):
        sku: str

    class UserSchema(Schema):
        email = fields.Email()

    @api.post("/a")
    async def a(request: Request):
        return Order.model_validate(await request.json())

    @api.post("/b")
    async def b(request: Request):
        raw = await request.body()
        text = raw.decode()
        return Order.model_validate_json(text)

    @api.post("/c")
    async def c(request: Request):
        return [Order(**o) for o in await request.json()]

    @api.post("/d")
    async def d(request: Request):
        data = await request.json()
        jsonschema.validate(data, SCHEMA)
        return TypeAdapter(list[Order]).validate_python(await request.json())

    @web.post("/e")
    def e():
        form = SignupForm(request.form)
        return UserSchema().load(request.get_json())

    @web.post("/f")
    @use_args({"q": fields.Str()}, location="json")
    def f(args):
        return request.get_json()
    """
    assert rows(project, src) == []
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("pass", 6, 6)


def test_parsing_and_responses_are_not_validation(project) -> None:
    src = """
    import json

    import yaml
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.post("/a")
    async def a(request: Request):
        data = json.loads(await request.body())
        config = yaml.safe_load(data["config"])
        return JSONResponse(data)
    """
    assert rows(project, src) == [(11, "TTP412", "medium")]


def test_unknown_apps_judge_only_explicit_dicts_and_lambda_is_not_judged(project) -> None:
    src = """
    from typing import Any

    from app.main import router

    @router.post("/x")
    async def x(body: dict[str, Any], untyped, n: int):
        return body

    def handler(event, context):
        return event["body"]
    """
    assert rows(project, src) == [(6, "TTP411", "medium")]
    assert item(project, src).total == 1


def test_flask_and_starlette_parameters_are_url_values(project) -> None:
    src = """
    from flask import Flask
    from starlette.applications import Starlette

    app = Flask(__name__)
    star = Starlette()

    @app.get("/u/<user_id>")
    def user(user_id):
        return {"id": user_id}

    @star.route("/s")
    async def s(request):
        return None

    def not_a_route(body: dict):
        return body
    """
    assert rows(project, src) == []
    result = item(project, src)
    assert (result.covered, result.total) == (2, 2)


def test_suppression_and_test_files(project) -> None:
    src = """
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/a")
    async def a(body: dict):  # ttaprod: ignore[TTP411]
        return body
    """
    assert rows(project, src) == []
    assert rows(project, src, "tests/test_api.py") == []
    result = item(project, src)
    assert (result.status.value, result.covered, result.total) == ("pass", 1, 1)


def test_only_raw_rule_selected_still_counts_sites(project) -> None:
    src = """
    from fastapi import FastAPI, Request

    app = FastAPI()

    @app.post("/a")
    async def a(body: dict, request: Request):
        return await request.json()
    """
    result = item(project, src, codes=("TTP412",))
    assert (result.covered, result.total) == (0, 1)
    assert rows(project, src) == [(6, "TTP411", "medium"), (7, "TTP412", "medium")]


def test_signed_payloads_sdk_models_and_form_fields(project) -> None:
    """A webhook's raw body handed to the provider's signature check, an SDK model that
    deserializes it, form fields read one by one: validated. The same body used without a
    check, a form handed on whole and a JSON field read by hand are not."""
    src = """
    import hashlib
    import hmac

    import stripe
    from botbuilder.schema import Activity
    from fastapi import FastAPI, Request
    from flask import Flask, request as flask_request

    api = FastAPI()
    web = Flask(__name__)
    SECRET = b"s"

    @api.post("/stripe")
    async def stripe_hook(request: Request):
        payload = await request.body()
        event = stripe.Webhook.construct_event(payload, request.headers["stripe-signature"], "whsec")
        return {"type": event["type"]}

    @api.post("/github")
    async def github_hook(request: Request):
        body = await request.body()
        expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        return {"ok": hmac.compare_digest(expected, request.headers["x-hub-signature-256"])}

    @api.post("/whatsapp")
    async def whatsapp(request: Request):
        raw_body = await request.body()
        return await CLIENT.handle_webhook(sha256_signature=request.headers["x-sig"], raw_body=raw_body)

    @api.post("/teams")
    async def teams(req: Request):
        body = await req.json()
        return Activity().deserialize(body)

    @api.post("/slack/command")
    async def slack_command(request: Request):
        form = await request.form()
        command = form._dict.get("command")
        return {"text": f"running {command}"}

    @api.post("/google")
    async def google_login(request: Request):
        form = await request.form()
        credential = form.get("credential")
        if form.get("g_csrf_token") != request.cookies.get("g_csrf_token"):
            return {"error": "csrf"}
        return {"credential": credential}

    @web.post("/ldap")
    def ldap_login():
        user = authenticate(flask_request.form["email"], flask_request.form["password"])
        return {"user": user, "email": flask_request.form.get("email", "")}

    @api.post("/unsigned")
    async def unsigned(request: Request):
        body = await request.body()
        return {"size": len(body), "head": body[:10]}

    @api.post("/session")
    async def session(request: Request):
        body = await request.json()
        return {"id": body.get("session_id")}

    @api.post("/profile")
    async def profile(request: Request):
        form = await request.form()
        return save_profile(dict(form))

    @web.post("/bulk")
    def bulk():
        return {"fields": [k for k in flask_request.form]}
    """
    assert rows(project, src) == [
        (56, "TTP412", "medium"),
        (61, "TTP412", "medium"),
        (66, "TTP412", "medium"),
        (71, "TTP412", "medium"),
    ]
