"""No output byte carries a secret: one of every kind ttaprod detects is planted (each
provider's key format, credentials bound to names, URL user-info, headers, key-value connection
strings, deployment files, a line after a form feed, an unterminated string in a file that does
not parse), and every format, `--output`, the cache, the baseline and `--verbose` are read back.

The values are random characters drawn at run time in each format, so this file holds no
literal a secret scanner would report."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from ..rules.test_security import fake_keys
from .conftest import run_process

_RNG = random.Random(120_12)
ALNUM = string.ascii_letters + string.digits


def _word(n: int) -> str:
    """A random password: letters, digits and a dash (credential-shaped, no known format)."""
    return "".join(_RNG.choice(ALNUM) for _ in range(n - 4)) + "-" + str(_RNG.randint(100, 999))


def _secrets() -> dict[str, str]:
    values = {f"key: {name}": key for name, key in fake_keys().items()}
    for what in (
        "password",
        "db_password",
        "env default",
        "client_secret",
        "dsn",
        "url userinfo",
        "bearer",
        "basic auth",
        "kwarg",
        "kv string",
        "after form feed",
        "after U+2028",
        "unterminated",
        "unterminated other",
        "dockerfile",
        "compose",
        "kubernetes",
    ):
        values[what] = _word(16)
    values["aws secret"] = "".join(_RNG.choice(ALNUM + "/+") for _ in range(40))
    return values


def _plant(root: Path, s: dict[str, str]) -> None:
    keys = "\n".join(
        f'KEY_{i} = "{value}"'
        for i, (name, value) in enumerate(s.items())
        if name.startswith("key:")
    )
    (root / "app").mkdir(parents=True)
    (root / "app" / "keys.py").write_text(keys + "\n", encoding="utf-8")
    (root / "app" / "creds.py").write_text(
        "import os\n\nimport psycopg2\nimport requests\n\n"
        f'password = "{s["password"]}"\n'
        f'db_password = os.getenv("DB_PASSWORD", "{s["env default"]}")\n'
        f'DB_PASSWORD_LOCAL = "{s["db_password"]}"\n'
        f'aws_secret_access_key = "{s["aws secret"]}"\n'
        f'client_secret: str = "{s["client_secret"]}"\n'
        f'DATABASE_URL = "postgresql://app:{s["dsn"]}@db.acme-prod.io/app"\n'
        f'MIRROR = "https://admin:{s["url userinfo"]}@mirror.acme-prod.io/simple"\n'
        "\n\n"
        "def push(data):\n"
        f'    headers = {{"Authorization": "Bearer {s["bearer"]}"}}\n'
        '    return requests.post("http://api.partner-hub.io/v1", json=data, headers=headers,\n'
        f'                         auth=("svc", "{s["basic auth"]}"))\n'
        "\n\n"
        "def connect():\n"
        f'    psycopg2.connect(host="db", password="{s["kwarg"]}")\n'
        f'    return psycopg2.connect("host=db.acme-prod.io user=app password={s["kv string"]}")\n',
        encoding="utf-8",
    )
    (root / "app" / "shifted.py").write_text(
        "# a comment\x0c that a form feed splits\n"
        f'api_token = "{s["after form feed"]}"\n'
        "# and one\u2028with a line separator\n"
        f'refresh_token = "{s["after U+2028"]}"\n'
        "print(api_token, refresh_token)\n",
        encoding="utf-8",
    )
    (root / "app" / "broken.py").write_text(
        f'password = "{s["unterminated"]}\nname = "{s["unterminated other"]}\n',
        encoding="utf-8",
    )
    (root / "Dockerfile").write_text(
        f'FROM python:3.12-slim\nENV DB_PASSWORD={s["dockerfile"]}\nCMD ["python", "-m", "app"]\n',
        encoding="utf-8",
    )
    (root / "docker-compose.yml").write_text(
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {s['compose']}\n",
        encoding="utf-8",
    )
    (root / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: app\n          image: app:1.0\n"
        "          env:\n            - name: API_SECRET\n"
        f"              value: {s['kubernetes']}\n",
        encoding="utf-8",
    )


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    found = []
    for name, value in secrets.items():
        # the whole value, and any 12-character piece of it past a public prefix
        pieces = {value} | {value[i : i + 12] for i in range(8, max(9, len(value) - 12), 6)}
        if any(piece in text for piece in pieces):
            found.append(name)
    return found


FORMATS = ("rich", "json", "sarif", "junit", "github", "markdown", "gitlab")


@pytest.mark.slow
def test_no_output_byte_carries_a_planted_secret(tmp_path: Path, real_tools) -> None:
    secrets = _secrets()
    root = tmp_path / "svc"
    _plant(root, secrets)
    out = tmp_path / "reports"
    out.mkdir()
    cache = tmp_path / "cache"
    texts: dict[str, str] = {}
    for fmt in FORMATS:  # each on stdout, with the real tools (their echoes too)
        run = run_process(
            "check", root, "--format", fmt, "--cache-dir", cache, "--show-suppressed",
            "--verbose", timeout=300,
        )  # fmt: skip
        assert run.code == 1, run.err
        texts[f"stdout {fmt}"] = run.out
        texts[f"stderr {fmt}"] = run.err
    args = ["check", root, "--no-tools", "--cache-dir", cache, "-o", out / "report.txt"]
    args += [f"--format=json={out / 'r.json'}", "--format=sarif=" + str(out / "r.sarif")]
    args += ["--format", "rich"]
    run = run_process(*args)
    assert run.code == 1, run.err
    baseline = tmp_path / "baseline.json"
    made = run_process("baseline", root, "--no-tools", "-o", baseline, "--cache-dir", cache)
    assert made.code == 0, made.err
    again = run_process(
        "check", root, "--no-tools", "--baseline", baseline, "--show-baselined", "-v"
    )
    texts.update(baseline_run=again.out + again.err, baseline_cmd=made.out + made.err)
    for path in [*out.iterdir(), baseline, *cache.rglob("*")]:
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    # the tools' cache is read back too: the first run stored their findings, the others
    # (every format after "rich") were served from it
    stored = {p.name for p in (cache / "tools-v1").iterdir()}
    assert stored == {"ruff.json", "bandit.json", "pyright.json"}
    assert "B105" in texts[str(cache / "tools-v1" / "bandit.json")]

    everything = "\n".join(texts.values())
    leaked = {where: _leaks(text, secrets) for where, text in texts.items()}
    assert {where: names for where, names in leaked.items() if names} == {}
    # and the findings are there, masked: the test looks where the secrets would be
    data = json.loads(texts["stdout json"])
    rules = [(f["path"], f["rule"]) for f in data["findings"]]
    reporters = {r for f in data["findings"] for r in (f["rule"], *f["also_reported_by"])}
    assert sum(1 for p, r in rules if p == "app/keys.py" and r == "TTP401") == sum(
        1 for n in secrets if n.startswith("key:")
    )
    for rule in ("TTP402", "TTP404", "TTP901"):
        assert rule in everything
    for tool in ("ruff:", "bandit:", "pyright:"):  # their echoes were read back too
        assert any(r.startswith(tool) for r in reporters), tool
    assert 'password = "…(16 chars)"' in texts["stdout rich"]
    assert "ruff" in texts["stdout rich"] and "app/broken.py" in texts["stdout rich"]


def test_a_traceback_with_verbose_is_masked(tmp_path: Path, monkeypatch, ttaprod) -> None:
    from ttaprod.commands import check as check_cmd

    secrets = _secrets()
    key = secrets["key: GitHub token"]
    dsn = secrets["dsn"]

    def broken(options):
        raise RuntimeError(f"cannot reach postgresql://app:{dsn}@db/app with token {key}")

    monkeypatch.setattr(check_cmd, "check", broken)
    run = ttaprod("check", tmp_path, "--no-tools", "--verbose")
    assert run.code == 2
    assert "Traceback (most recent call last)" in run.err
    assert _leaks(run.err, secrets) == []
    assert run.err_lines[-1].startswith(
        "ttaprod: error: internal error: RuntimeError: cannot reach postgresql://app:…(16 chars)@db"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("https://admin:Zq8xstrongPw31@host/x", "https://admin:…(14 chars)@host/x"),
        ('password = "Zq8-strong', 'password = "…(10 chars)'),
        ("Server=db;Password=s3cr3tPw9;Database=x", "Server=db;Password=…(9 chars);Database=x"),
        ('{"Authorization": "Bearer abc123def456"}', '{"Authorization": "…(19 chars)"}'),
        ("POSTGRES_PASSWORD: s3cr3tPw9", "POSTGRES_PASSWORD: …(9 chars)"),
        ('author = "Jane Doe"', 'author = "Jane Doe"'),
        ('token_url = "https://auth.example.com/token"', 'token_url = "https://auth.example.com/token"'),
        ("password = get_password()", "password = get_password()"),
    ],
)  # fmt: skip
def test_the_one_masking_function(text: str, masked: str) -> None:
    from ttaprod import redact

    assert redact.scrub(text) == masked
    assert redact.scrub(masked) == masked  # idempotent
