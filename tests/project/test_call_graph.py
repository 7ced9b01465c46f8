"""Protection and blocking followed across functions and modules (fixtures/shop_service),
each case both ways: the protection that covers a call one module away, and the same call
reported, with the path that leaves it bare, once that protection is gone."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..helpers import FIXTURES, advice_sites, fixture_report, found, run_check, write


def _traces(rule: str) -> dict[tuple[str, int], tuple[tuple[str, int, str], ...]]:
    return {
        (f.path, f.line): f.trace
        for f in found(fixture_report("shop_service", preview=True), [rule])
    }


def test_an_unretried_helper_is_reported_with_the_path_that_reaches_it() -> None:
    assert _traces("TTP102") == {
        ("shop/clients/http.py", 5): (
            ("shop/api/prices.py", 10, "get_price() calls price_for()"),
            ("shop/services/pricing.py", 6, "price_for() calls fetch_json()"),
            ("shop/clients/http.py", 5, "the call"),
        ),
        ("shop/services/stock_feed.py", 16): (),  # judged in its module: nothing calls it
    }


def test_blocking_io_two_calls_down_is_reported_at_the_await_site() -> None:
    assert _traces("TTP301") == {
        ("shop/api/reports.py", 18): (
            ("shop/api/reports.py", 18, "get_report() calls render()"),
            ("shop/storage/reports.py", 5, "render() calls read_template()"),
            (
                "shop/storage/files.py",
                7,
                "`Path(TEMPLATES_DIR, name).read_text()` (pathlib.Path is synchronous) blocks",
            ),
        ),
        ("shop/api/reports.py", 23): (
            ("shop/api/reports.py", 23, "post_report() calls _audit()"),
            ("shop/api/reports.py", 12, "`open()` blocks"),
        ),
    }


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "shop_service"
    shutil.copytree(FIXTURES / "shop_service", root)
    return root


def _drop_decorator(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("@api_retry\n", ""), encoding="utf-8")


def test_an_inherited_method_is_covered_by_its_callers_retry_and_bare_without_it(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/services/checkout.py")
    bare = {(f.path, f.line): f.trace for f in found(run_check(root, preview=True), ["TTP102"])}
    assert bare[("shop/clients/base.py", 9)] == (
        ("shop/services/checkout.py", 8, "charge() calls ApiClient.call()"),
        ("shop/clients/base.py", 9, "the call"),
    )


def test_a_retry_two_calls_up_covers_the_call_and_its_loss_is_seen(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/jobs/sync.py")
    lines = {(f.path, f.line) for f in found(run_check(root, preview=True), ["TTP102"])}
    assert ("shop/services/inventory.py", 11) in lines


def test_a_retry_primitive_in_another_module_covers_the_primitive_it_wraps(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    compose = root / "shop/pipeline/compose.py"
    compose.write_text(
        "from .primitives import QuotePrimitive\n\nquote = QuotePrimitive()\n", encoding="utf-8"
    )
    lines = {(f.path, f.line) for f in found(run_check(root, preview=True), ["TTP102"])}
    assert ("shop/pipeline/primitives.py", 10) in lines


def test_recursion_under_a_retried_entry_point_is_covered(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _drop_decorator(root / "shop/services/categories.py")
    lines = {(f.path, f.line) for f in found(run_check(root, preview=True), ["TTP102"])}
    assert ("shop/clients/http.py", 5) in lines
    traces = {f.trace for f in found(run_check(root, preview=True), ["TTP102"])}
    assert any(step[0] == "shop/services/categories.py" for t in traces for step in t)


def _rows(root: Path, rules: list[str]) -> set[tuple[str, int, str]]:
    """Every reported site of these rules, the LLM advice in preview included (its one
    finding per project lists its sites)."""
    report = run_check(root, preview=True)
    return {(path, line, f.rule) for f in found(report, rules) for path, line in advice_sites(f)}


def test_llm_calls_through_clients_of_other_modules_are_recognised() -> None:
    rows = {
        (f.path, f.line, f.rule)
        for f in found(fixture_report("shop_service", preview=True), ["TTP3"])
    }
    # a dict cache of clients (tenants) and a cached factory (completion) are reuse; a lambda
    # factory called per call is a new client each time
    assert ("shop/services/summaries.py", 5, "TTP311") in rows
    assert not any(
        r[0] in ("shop/services/tenants.py", "shop/services/completion.py") and r[2] == "TTP311"
        for r in rows
    )
    llm_rows = _rows(FIXTURES / "shop_service", ["TTP314"])
    assert ("shop/services/tenants.py", 5, "TTP314") in llm_rows
    assert ("shop/services/summaries.py", 6, "TTP314") in llm_rows
    assert ("shop/services/completion.py", 5, "TTP314") not in llm_rows  # ask() is cached


def test_a_transport_injected_from_another_module_retries() -> None:
    rows = {
        (f.path, f.line) for f in found(fixture_report("shop_service", preview=True), ["TTP102"])
    }
    assert ("shop/services/stock_feed.py", 16) in rows  # the plain client
    assert ("shop/services/stock_feed.py", 11) not in rows  # the retrying transport


def test_a_router_level_limiter_two_modules_away_covers_the_llm_call(tmp_path: Path) -> None:
    assert ("shop/services/completion.py", 5, "TTP413") not in _rows(
        FIXTURES / "shop_service", ["TTP413"]
    )
    root = _copy(tmp_path)
    main = root / "shop/main.py"
    main.write_text(
        main.read_text(encoding="utf-8").replace(
            ", dependencies=[Depends(RateLimiter(times=20, seconds=60))]", ""
        ),
        encoding="utf-8",
    )
    assert ("shop/services/completion.py", 5, "TTP413") in _rows(root, ["TTP413"])


def test_a_cache_and_a_fallback_around_the_route_cover_the_call_two_modules_down(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    route = root / "shop/api/assistant.py"
    text = route.read_text(encoding="utf-8")
    route.write_text(
        text.replace("@cached(ttl=300)\n", "").replace(
            '    try:\n        return {"answer": await answer(question)}\n'
            '    except openai.APIError:\n        return {"answer": CANNED}\n',
            '    return {"answer": await answer(question)}\n',
        ),
        encoding="utf-8",
    )
    rows = _rows(root, ["TTP110", "TTP314"])
    assert ("shop/services/completion.py", 5, "TTP110") in rows
    assert ("shop/services/completion.py", 5, "TTP314") in rows


def test_a_consumer_that_drops_the_messages_correlation_id() -> None:
    rows = {
        (f.path, f.line) for f in found(fixture_report("shop_service", preview=True), ["TTP201"])
    }
    assert rows == {("shop/consumers/orders.py", 14)}


def test_a_timeout_around_a_base_class_call_covers_the_subclass_override(project) -> None:
    files = {
        "feeds/base.py": """
            import asyncio


            class NetworkBase:
                async def check_network(self) -> bool:
                    return True

                async def loop(self) -> None:
                    await asyncio.wait_for(self.check_network(), timeout=60)
        """,
        "feeds/prices.py": """
            import aiohttp

            from .base import NetworkBase


            class PriceFeed(NetworkBase):
                async def check_network(self) -> bool:
                    async with aiohttp.ClientSession() as session:
                        async with session.get("https://prices.example.com/ping") as response:
                            return response.status == 200
        """,
    }
    root = project(files)
    lines = {(f.path, f.line) for f in found(run_check(root, select=("TTP101",)), ["TTP101"])}
    assert lines == set()  # wait_for in the base class bounds the override
    base = root / "feeds/base.py"
    base.write_text(
        base.read_text(encoding="utf-8").replace(
            "await asyncio.wait_for(self.check_network(), timeout=60)",
            "await self.check_network()",
        ),
        encoding="utf-8",
    )
    lines = {(f.path, f.line) for f in found(run_check(root, select=("TTP101",)), ["TTP101"])}
    assert lines == {("feeds/prices.py", 8)}  # the session, built with aiohttp's 300 s default


def test_a_client_re_exported_by_a_module_is_followed_only_where_the_module_uses_it(
    tmp_path: Path, monkeypatch
) -> None:
    """`from app import models` then `models.http.get(...)`: the second look hands the file the
    session `models` re-exports, and the call is judged on it. A file importing `models` for
    something else is not looked at again (a second look costs a whole analysis; on redash it
    was 29 files, now 9)."""
    from ttaprod import runner

    looked_again: list[str] = []
    run = runner.run

    def spy(tasks, jobs, tick):
        looked_again.extend(t.rel_path for t in tasks if t.values)
        return run(tasks, jobs, tick)

    monkeypatch.setattr(runner, "run", spy)
    root = write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/clients.py": """
                import requests

                http = requests.Session()
            """,
            "app/models.py": """
                from app.clients import http

                class Order:
                    pass
            """,
            "app/handlers.py": """
                from app import models

                def fetch(url: str) -> bytes:
                    return models.http.get(url).content
            """,
            "app/orders.py": """
                from app import models

                def new() -> object:
                    return models.Order()
            """,
        },
    )
    report = run_check(root, select=("TTP101",))
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("app/handlers.py", 4, "TTP101")]
    assert sorted(looked_again) == ["app/handlers.py", "app/models.py"]  # not app/orders.py


REPOSITORIES = {
    "app/__init__.py": "",
    "app/repos.py": """
        from functools import cached_property

        from sqlalchemy.orm import Session


        class RecipeRepository:
            session: Session

            def __init__(self, session: Session) -> None:
                self.session = session

            def get_one(self, slug: str) -> object:
                return self.session.execute(QUERY, {"slug": slug}).scalar_one()


        class AllRepositories:
            def __init__(self, session: Session) -> None:
                self.session = session

            @cached_property
            def recipes(self) -> RecipeRepository:
                return RecipeRepository(self.session)
        """,
    "app/routes.py": """
        from .repos import AllRepositories


        class RecipeController:
            def __init__(self, session) -> None:
                self.session = session
                self._repos = None

            @property
            def repos(self):
                if not self._repos:
                    self._repos = AllRepositories(self.session)
                return self._repos

            async def get_recipe(self, slug: str) -> object:
                return self.repos.recipes.get_one(slug)

            async def slug_of(self, slug: str) -> str:
                return self.repos.recipes.__class__.__name__ + slug
        """,
}


def test_a_method_reached_through_properties_of_other_modules_is_followed(tmp_path: Path) -> None:
    """`self.repos.recipes.get_one()`: an unannotated property that returns the instance it
    keeps, then an annotated cached_property of another module; the repository's typed session
    blocks two calls down."""
    report = run_check(write(tmp_path, REPOSITORIES), select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "app/routes.py",
            16,
            "`RecipeRepository.get_one()` blocks the event loop inside `async def get_recipe`: it"
            " calls `self.session.execute()` (sqlalchemy.orm.Session is synchronous)"
            " (app/repos.py:13).",
        )
    ]


CCXT = {
    "bot/__init__.py": "",
    "bot/exchange.py": """
        import ccxt


        class Exchange:
            def __init__(self, name: str) -> None:
                self._api: ccxt.Exchange
                self._api = self._init_ccxt(name)

            def _init_ccxt(self, name: str):
                return getattr(ccxt, name)({"enableRateLimit": True})

            def fetch_balance(self) -> dict:
                return self._api.fetch_balance()

            def precision(self, amount: float) -> str:
                return self._api.amount_to_precision("BTC/USDT", amount)
        """,
    "bot/telegram.py": """
        from .exchange import Exchange


        class Telegram:
            def __init__(self, exchange: Exchange) -> None:
                self._exchange = exchange

            async def balance(self) -> str:
                return str(self._exchange.fetch_balance())

            async def rounded(self, amount: float) -> str:
                return self._exchange.precision(amount)
        """,
}


def test_a_declared_attribute_type_holds_when_assigned_an_unknown_value(tmp_path: Path) -> None:
    """`self._api: ccxt.Exchange`, then `self._api = self._init_ccxt(...)`: still a sync
    exchange (as a type checker reads it), so a REST call two modules up blocks; the local
    precision helpers do no I/O."""
    report = run_check(write(tmp_path, CCXT), select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "bot/telegram.py",
            9,
            "`Exchange.fetch_balance()` blocks the event loop inside `async def balance`: it calls"
            " `self._api.fetch_balance()` (ccxt.Exchange is synchronous) (bot/exchange.py:13).",
        )
    ]


SESSION_PARAMETERS = {
    "app/__init__.py": "",
    "app/models.py": """
        class ModelsConfig:
            @classmethod
            def store_api_key(cls, session, organisation_id, key):
                row = session.query(ModelsConfig).filter_by(organisation_id=organisation_id).first()
                session.commit()
                return row

            @staticmethod
            def count(session, organisation_id):
                return _count(session, organisation_id)

            @staticmethod
            def lookup(data, organisation_id):
                return data.get(organisation_id)


        def _count(db, organisation_id):
            return db.execute(COUNT, {"id": organisation_id}).scalar()
        """,
    "app/routes.py": """
        from fastapi_sqlalchemy import db

        from .models import ModelsConfig


        async def store_api_keys(organisation_id: int, key: str):
            return ModelsConfig.store_api_key(db.session, organisation_id, key)


        async def count(organisation_id: int):
            return ModelsConfig.count(session=db.session, organisation_id=organisation_id)


        async def lookup(organisation_id: int):
            return ModelsConfig.lookup({}, organisation_id)
        """,
}


def test_a_sync_session_passed_to_an_untyped_parameter_blocks_where_it_is_used(
    tmp_path: Path,
) -> None:
    """fastapi-sqlalchemy's `db.session` handed by position to a classmethod, by keyword to a
    staticmethod that passes it on: the untyped `session` parameter is what the caller passes.
    A dict passed the same way (`data.get`) does not block."""
    report = run_check(write(tmp_path, SESSION_PARAMETERS), select=("TTP301",))
    session = "(fastapi_sqlalchemy.db.session is synchronous)"
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "app/routes.py",
            7,
            "`ModelsConfig.store_api_key()` blocks the event loop inside `async def"
            f" store_api_keys`: it calls `session.query()` {session} (app/models.py:4).",
        ),
        (
            "app/routes.py",
            11,
            "`ModelsConfig.count()` blocks the event loop inside `async def count`: it calls"
            f" `db.execute()` {session} (app/models.py:18, 1 call(s) further down).",
        ),
    ]
    assert [step[1:] for step in report.findings[1].trace] == [
        (11, "count() calls ModelsConfig.count()"),
        (10, "ModelsConfig.count() calls _count()"),
        (18, f"`db.execute()` {session} blocks"),
    ]


GENERIC_REPOSITORIES = {
    "shop/__init__.py": "",
    "shop/repos/__init__.py": "from .factory import *\n",
    "shop/repos/generic.py": """
        from typing import Generic, TypeVar

        from sqlalchemy.orm import Session

        T = TypeVar("T")


        class RepositoryGeneric(Generic[T]):
            session: Session

            def get_one(self, key: str) -> T:
                return self.session.get(self.model, key)
        """,
    "shop/repos/factory.py": """
        from functools import cached_property

        from .generic import RepositoryGeneric


        class RecipeRepository(RepositoryGeneric["Recipe"]):
            pass


        class AllRepositories:
            @cached_property
            def recipes(self) -> RecipeRepository:
                return RecipeRepository()
        """,
    "shop/routes.py": """
        from shop.repos import AllRepositories


        class Controller:
            repos: AllRepositories

            async def get_recipe(self, slug: str) -> object:
                return self.repos.recipes.get_one(slug)
        """,
}


def test_a_method_inherited_from_a_generic_base_through_a_star_re_export(tmp_path: Path) -> None:
    """`AllRepositories` imported from the package that re-exports it with `import *`, and
    `get_one` inherited from `RepositoryGeneric["Recipe"]`: the chain resolves to the base."""
    report = run_check(write(tmp_path, GENERIC_REPOSITORIES), select=("TTP301",))
    assert [(f.path, f.line, f.message.split(": it calls")[0]) for f in report.findings] == [
        (
            "shop/routes.py",
            8,
            "`RepositoryGeneric.get_one()` blocks the event loop inside `async def get_recipe`",
        )
    ]


TRADING_BOT = {
    "bot/__init__.py": "",
    "bot/exchange.py": """
        import ccxt


        class Exchange:
            def __init__(self, name: str) -> None:
                self._api: ccxt.Exchange = getattr(ccxt, name)()

            def fetch_order(self, order_id: str) -> dict:
                return self._api.fetch_order(order_id)
        """,
    "bot/engine.py": """
        from .exchange import Exchange


        class Bot:
            def __init__(self) -> None:
                self.exchange = Exchange("binance")
        """,
    "bot/rpc.py": """
        from .engine import Bot


        class RPC:
            def __init__(self, bot: "Bot") -> None:
                self._bot = bot

            def cancel(self, order_id: str) -> dict:
                return self._bot.exchange.fetch_order(order_id)
        """,
    "bot/telegram.py": """
        from .rpc import RPC


        class Telegram:
            def __init__(self, rpc: "RPC") -> None:
                self._rpc = rpc

            async def cancel(self, order_id: str) -> str:
                return str(self._rpc.cancel(order_id))
        """,
}


def test_an_attribute_of_another_class_and_a_forward_reference_lead_to_the_call(
    tmp_path: Path,
) -> None:
    """`rpc: "RPC"` (a string annotation), then `self._bot.exchange.fetch_order()` where
    `exchange` is an attribute `Bot.__init__` sets in another module: the sync ccxt request two
    helpers down is found."""
    report = run_check(write(tmp_path, TRADING_BOT), select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "bot/telegram.py",
            9,
            "`RPC.cancel()` blocks the event loop inside `async def cancel`: it calls"
            " `self._api.fetch_order()` (ccxt.Exchange is synchronous) (bot/exchange.py:9, 1"
            " call(s) further down).",
        )
    ]


MODEL_SESSIONS = {
    "bot/__init__.py": "",
    "bot/persistence/__init__.py": "from .models import Trade  # noqa: F401\n",
    "bot/persistence/base.py": """
        from sqlalchemy.orm import Session, scoped_session

        SessionType = scoped_session[Session]
        """,
    "bot/persistence/models.py": """
        from typing import ClassVar

        from .base import SessionType


        class Trade:
            session: ClassVar[SessionType]

            @staticmethod
            def get_trades() -> list:
                return list(Trade.session.scalars(QUERY))

            @staticmethod
            def describe() -> str:
                return Trade.__name__
        """,
    "bot/rpc.py": """
        from bot.persistence import Trade


        class RPC:
            def stats(self) -> int:
                return len(Trade.get_trades())
        """,
    "bot/telegram.py": """
        from .rpc import RPC


        class Telegram:
            def __init__(self, rpc: "RPC") -> None:
                self._rpc = rpc

            async def stats(self) -> str:
                return str(self._rpc.stats())

            async def name(self) -> str:
                from bot.persistence import Trade

                return Trade.describe()
        """,
}


def test_a_session_kept_on_a_model_class_through_a_type_alias_and_a_package_re_export(
    tmp_path: Path,
) -> None:
    """`session: ClassVar[SessionType]` with `SessionType = scoped_session[Session]` in another
    module, `Trade` imported through its package's `__init__` (`from .models import Trade`):
    `Trade.session.scalars()` blocks two helpers below the coroutine; `Trade.__name__` does not."""
    report = run_check(write(tmp_path, MODEL_SESSIONS), select=("TTP301",))
    assert [(f.path, f.line, f.message) for f in report.findings] == [
        (
            "bot/telegram.py",
            9,
            "`RPC.stats()` blocks the event loop inside `async def stats`: it calls"
            " `Trade.session.scalars()` (sqlalchemy.orm.scoped_session is synchronous)"
            " (bot/persistence/models.py:11, 1 call(s) further down).",
        )
    ]
