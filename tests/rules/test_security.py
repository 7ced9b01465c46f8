"""TTP401 hardcoded-api-key, TTP402 hardcoded-credential, TTP403 tls-verification-disabled,
TTP404 plaintext-http-url: the tricky cases both ways, at exact lines and severities, and
the promise that no secret value ever reaches an output.

Fake keys are built at run time from random characters in each provider's format, so this
file itself holds no literal that a secret scanner (or ttaprod) would report. The generator
is seeded: the same fake keys on every run, no flaky test.
"""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from ttaprod import redact
from ttaprod.models import Finding, Report

from ..conftest import run_check

Row = tuple[str, int, str, str]  # path, line, rule, severity
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


_RNG = random.Random(20260)


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def fake_keys() -> dict[str, str]:
    """One fake key per provider format (each call draws new characters)."""
    pem_body = "\\n".join(rand(64, ALNUM + "+/") for _ in range(3))
    return {
        "OpenAI API key": "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20),
        "OpenAI project key": "sk-"
        + "proj-"
        + rand(74, B64URL)
        + "T3Blbk"
        + "FJ"
        + rand(74, B64URL),
        "sk- secret key (OpenAI-compatible provider)": "sk-" + rand(30, "0123456789abcdef") + "a1",
        "Anthropic API key": "sk-" + "ant-api03-" + rand(93, B64URL) + "AA",
        "AWS access key id": "AK" + "IA" + rand(16, string.ascii_uppercase + "234567"),
        "GitHub token": "gh" + "p_" + rand(36),
        "GitHub fine-grained token": "github" + "_pat_" + rand(22) + "_" + rand(59),
        "Slack token": "xo"
        + "xb-"
        + rand(12, string.digits)
        + "-"
        + rand(13, string.digits)
        + "-"
        + rand(24),
        "Stripe live key": "sk" + "_live_" + rand(24),
        "Google API key": "AI" + "za" + rand(35, B64URL),
        "Hugging Face token": "h" + "f_" + rand(34, string.ascii_letters),
        "Groq API key": "gs" + "k_" + rand(52),
        "LangSmith API key": "lsv2"
        + "_pt_"
        + rand(32, "0123456789abcdef")
        + "_"
        + rand(10, "0123456789abcdef"),
        "GitLab token": "glp" + "at-" + rand(20, B64URL),
        "SendGrid API key": "S" + "G." + rand(22, B64URL) + "." + rand(43, B64URL),
        "PEM private key": "-----BEGIN RSA "
        + "PRIVATE KEY-----\\n"
        + pem_body
        + "\\n-----END RSA PRIVATE KEY-----",
        "JSON Web Token": "ey"
        + "JhbGciOiJIUzI1NiJ9.ey"
        + "J"
        + rand(30, B64URL)
        + "."
        + rand(43, B64URL),
    }


def _rows(report: Report, codes: tuple[str, ...]) -> list[Row]:
    return sorted(
        (f.path, f.line, f.rule, f.severity.value) for f in report.findings if f.rule in codes
    )


def _write(project, files: dict[str, str]) -> Path:
    return project({path: dedent(text).lstrip("\n") for path, text in files.items()})


def check(project, files: dict[str, str], *codes: str) -> list[Row]:
    return _rows(run_check(_write(project, files), select=codes), codes)


def findings(project, files: dict[str, str], *codes: str) -> list[Finding]:
    report = run_check(_write(project, files), select=codes)
    return sorted((f for f in report.findings if f.rule in codes), key=lambda f: f.sort_key)


def coverage(project, files: dict[str, str], item: str, *codes: str) -> tuple[int, int]:
    report = run_check(_write(project, files), select=codes)
    result = next(r for r in report.checklist if r.id == item)
    return result.covered or 0, result.total or 0


# --- TTP401: known key formats ------------------------------------------------------------
@pytest.mark.parametrize("provider", sorted(fake_keys()))
def test_every_known_format_is_critical_and_masked(project, provider: str) -> None:
    key = fake_keys()[provider]
    src = f'import os\n\nVALUE = "{key}"\n'
    found = findings(project, {"app/keys.py": src}, "TTP401", "TTP402")
    assert [(f.line, f.rule, f.severity.value) for f in found] == [(3, "TTP401", "critical")]
    message = found[0].message
    assert key not in message and key[8:20] not in message and "chars)" in message
    assert key not in found[0].snippet and "…(" in found[0].snippet


def test_message_shows_only_the_public_prefix_and_length(project) -> None:
    key = fake_keys()["OpenAI project key"]
    found = findings(project, {"app/config.py": f'OPENAI_API_KEY = "{key}"\n'}, "TTP401")
    assert found[0].message == (
        f"OpenAI API key hard-coded in `OPENAI_API_KEY` (sk-p…({len(key)} chars)); "
        "revoke it and read it from the environment or a secret store"
    )
    assert found[0].snippet == f'OPENAI_API_KEY = "…({len(key)} chars)"'


def test_keys_in_fstrings_kwargs_env_defaults_and_tests(project) -> None:
    k = fake_keys()
    src = f"""
    import os

    import boto3
    import httpx

    headers = {{"Authorization": f"token {k["GitHub token"]}", "X-User": f"{{os.getpid()}}"}}
    s3 = boto3.client("s3", aws_access_key_id="{k["AWS access key id"]}")
    fallback = os.getenv("OPENAI_API_KEY", "{k["OpenAI API key"]}")
    url = f"https://api.acme.io/?key={k["Google API key"]}&q={{os.getpid()}}"
    '''Docstring with a key: {k["Slack token"]}'''
    """
    test = f'def test_x():\n    token = "{k["Groq API key"]}"\n'
    assert check(
        project, {"app/clients.py": src, "tests/test_keys.py": test}, "TTP401", "TTP402"
    ) == [
        ("app/clients.py", 6, "TTP401", "critical"),
        ("app/clients.py", 7, "TTP401", "critical"),
        ("app/clients.py", 8, "TTP401", "critical"),
        ("app/clients.py", 9, "TTP401", "critical"),
        ("app/clients.py", 10, "TTP401", "critical"),
        ("tests/test_keys.py", 2, "TTP401", "critical"),
    ]


def test_keys_in_comments(project) -> None:
    key = fake_keys()["OpenAI project key"]
    src = f"""
    import os

    # OPENAI_API_KEY={key}
    API_KEY = os.environ["OPENAI_API_KEY"]  # was "{key[:20]}…", rotated
    URL = "https://a.io/#sk-fragment"  # a '#' in a string is not a comment
    """
    found = findings(project, {"app/c.py": src}, "TTP401")
    assert [(f.line, f.severity.value) for f in found] == [(3, "critical")]
    assert found[0].message.startswith("OpenAI API key hard-coded in a comment (sk-p…(")
    assert key not in found[0].snippet


def test_aws_secret_key_is_recognised_by_the_name_it_is_bound_to(project) -> None:
    secret = rand(40, ALNUM + "/+")
    src = f"""
    aws_secret_access_key = "{secret}"
    blob_digest = "{secret}"
    """
    assert check(project, {"app/aws.py": src}, "TTP401", "TTP402") == [
        ("app/aws.py", 1, "TTP401", "critical"),
    ]


def test_placeholders_examples_and_format_checks_are_not_keys(project) -> None:
    jwt_io = (  # jwt.io's default token, published in its docs
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    )
    anthropic = "sk-ant-api03-your-anthropic-key-goes-here-" + "x" * 60
    src = f"""
    DOC_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"
    MASKED = "AKIAXXXXXXXXXXXXXXXX"
    TEMPLATE = "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    ANTHROPIC_PLACEHOLDER = "{anthropic}"
    STRIPE_TEST = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    HEADER = "-----BEGIN RSA PRIVATE KEY-----"
    PREFIXES = ("sk-", "sk-proj-", "ghp_", "xoxb-", "AIza")
    JWT_IO = "{jwt_io}"
    SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    SLUG = "sk-learn-compatible-estimator-registry"
    """
    assert check(project, {"app/consts.py": src}, "TTP401", "TTP402") == []


def test_a_key_bound_to_a_credential_name_is_one_ttp401_not_also_ttp402(project) -> None:
    key = fake_keys()["Anthropic API key"]
    src = f'api_key = "{key}"\n'
    assert check(project, {"app/a.py": src}, "TTP401", "TTP402") == [
        ("app/a.py", 1, "TTP401", "critical")
    ]
    # with TTP401 deselected the hard-coded credential is still reported, as TTP402
    assert check(project, {"app/a.py": src}, "TTP402") == [("app/a.py", 1, "TTP402", "high")]


# --- TTP402: credential-like names --------------------------------------------------------
def test_credential_names_in_every_binding_form(project) -> None:
    src = """
    import os
    import psycopg2
    from openai import OpenAI
    from pydantic_settings import BaseSettings

    DB_PASSWORD = "Tr0ub4dor-and-3"
    clientSecret: str = "q8Zt2LwN5vRk1Ha9"
    os.environ["SERVICE_TOKEN"] = "c2VydmljZS10b2tlbg"

    class Settings(BaseSettings):
        jwt_secret: str = "signing-9f8e7d6c"

    class Mailer:
        def __init__(self) -> None:
            self.smtpPass = "winter-Garden-42"

    def connect(host: str, passwd: str = "Zk3-x9Lq-p7") -> None:
        psycopg2.connect(host=host, password="N0t-So-S3cret")

    llm = OpenAI(api_key="proj-key-ab12cd34ef56")
    HEADERS = {"X-API-Key": "5f4dcc3b5aa765d61d83", "Accept": "application/json"}
    user, pwd = "svc", "Blue-Horse-88"
    """
    assert check(project, {"app/cfg.py": src}, "TTP402") == [
        ("app/cfg.py", 6, "TTP402", "high"),
        ("app/cfg.py", 7, "TTP402", "high"),
        ("app/cfg.py", 8, "TTP402", "high"),
        ("app/cfg.py", 11, "TTP402", "high"),
        ("app/cfg.py", 15, "TTP402", "high"),
        ("app/cfg.py", 17, "TTP402", "high"),
        ("app/cfg.py", 18, "TTP402", "high"),
        ("app/cfg.py", 20, "TTP402", "high"),
        ("app/cfg.py", 21, "TTP402", "high"),
        ("app/cfg.py", 22, "TTP402", "high"),
    ]


def test_names_that_describe_credentials_are_not_credentials(project) -> None:
    src = """
    API_KEY_ENV = "OPENAI_API_KEY"
    API_KEY_HEADER = "X-API-Key"
    token_type = "bearer"
    password_field = "password"
    password_hash = "$2b$12$KIXQJfYhZk1x5R9uQ2o3pO1m2n3b4v5c6x7z8a9s0d1f2g3h4j5k6"
    secret_name = "prod/app/db"
    TOKEN_URL = "https://auth.acme.io/oauth/token"
    max_tokens = 512
    eos_token = "</s>"
    next_token = "eyJwYWdlIjogMn0"
    cache_key = "user:42:profile"
    public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    tokenizer = "cl100k_base"
    PASSWORD_MIN_LENGTH = "12"
    WEAK_KEYS = {"cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": "RSA"}
    generate_api_key = "uuid4-hex"
    use_auth = "when-configured"
    name_token = r"[^\\W\\d]\\w*"
    hashed_password = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"
    users = {"alice": {"password": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"}}
    DJANGO_PW = {"password": "pbkdf2_sha256$600000$salt$hashhashhash="}
    """
    assert check(project, {"app/names.py": src}, "TTP402") == []


def test_values_that_are_not_secrets(project) -> None:
    src = """
    import os

    api_key = "<your-api-key>"
    OPENAI_API_KEY = "your-openai-api-key-here"
    password = ""
    secret = "${APP_SECRET}"
    token = os.environ.get("GITHUB_TOKEN", "")
    settings = {"auth": "bearer", "api_key": "OPENAI_API_KEY"}
    login_form = {"username": "username", "password": "password"}
    credentials = "/var/run/secrets/app/credentials.json"
    password_prompt = "Enter your password:"
    auth_token = "xxxxxxxxxxxxxxxxxxxx"
    SECRET_KEY = "changeme-in-production-placeholder"
    headers = {"Authorization": "Bearer"}
    apikey = None
    """
    assert check(project, {"app/values.py": src}, "TTP402") == []


def test_weak_defaults_are_low(project) -> None:
    src = """
    import os

    from pydantic_settings import BaseSettings

    ADMIN_PASSWORD = "changeme"
    REDIS_PASSWORD = os.getenv("REDIS_PASSWORD", "admin")

    class Settings(BaseSettings):
        password: str = "password"

    def connect(user: str = "app", password: str = "postgres") -> None:
        db.connect(user=user, password="password")
    """
    assert check(project, {"app/weak.py": src}, "TTP402") == [
        ("app/weak.py", 5, "TTP402", "low"),
        ("app/weak.py", 6, "TTP402", "low"),
        ("app/weak.py", 9, "TTP402", "low"),
        ("app/weak.py", 11, "TTP402", "low"),
        ("app/weak.py", 12, "TTP402", "low"),
    ]


def test_a_field_named_after_itself_is_a_label(project) -> None:
    src = """
    from enum import Enum

    PASSWORD = "password"
    FIELD_PASSWORD = "password"
    ATTR_API_KEY = "api_key"
    form = {"username": "username", "password": "password"}

    class Credential(str, Enum):
        PASSWORD = "password"
        TOKEN = "token"
        API_KEY = "api-key"
    """
    assert check(project, {"app/labels.py": src}, "TTP402") == []


def test_env_defaults_fallbacks_and_headers(project) -> None:
    src = """
    import os
    from os import environ

    os.getenv("DB_PASSWORD", "pr0d-db-pw-77")
    signing = environ.get("JWT_SECRET", "my-dev-signing-secret-1")
    token = os.getenv("SERVICE_TOKEN") or "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    api_key = os.getenv("API_KEY", default="k-31f9a7e2c4")
    headers = {"Authorization": "Bearer 8f14e45fceea167a5a36dedd4bea2543"}
    ok_headers = {"Authorization": f"Bearer {token}"}
    from_env = os.environ["API_TOKEN"]
    stripped = os.getenv("OTHER_TOKEN", "").strip()
    """
    assert check(project, {"app/env.py": src}, "TTP402") == [
        ("app/env.py", 4, "TTP402", "high"),
        ("app/env.py", 5, "TTP402", "high"),
        ("app/env.py", 6, "TTP402", "high"),
        ("app/env.py", 7, "TTP402", "high"),
        ("app/env.py", 8, "TTP402", "high"),
    ]


def test_basic_auth_pairs_and_login_calls(project) -> None:
    src = """
    import smtplib

    import requests
    from requests.auth import HTTPBasicAuth

    requests.get("https://api.acme.io", auth=("admin", "Pa55w0rd-2024"), timeout=5)
    requests.get("https://api.acme.io", auth=HTTPBasicAuth("admin", "Other-Pa55-1"), timeout=5)
    server = smtplib.SMTP("smtp.acme.io", 587, timeout=10)
    server.login("alerts@acme.io", "mail-Pa55-99")
    requests.get("https://api.acme.io", auth=("admin", os.environ["PW"]), timeout=5)
    """
    assert check(project, {"app/auth.py": src}, "TTP402") == [
        ("app/auth.py", 6, "TTP402", "high"),
        ("app/auth.py", 7, "TTP402", "high"),
        ("app/auth.py", 9, "TTP402", "high"),
    ]


def test_connection_urls_with_passwords(project) -> None:
    src = """
    DATABASE_URL = "postgresql://app:Xy7pQ2r9vL@db.acme-prod.io:5432/app"
    BROKER = "amqp://guest:guest@rabbit.acme-prod.io:5672/"
    DEV_URL = "postgresql://postgres:postgres@localhost:5432/app"
    CACHE = "redis://:devpass@redis:6379/0"
    TEMPLATE = "postgresql://app:${DB_PASSWORD}@db.acme-prod.io/app"
    NO_PASSWORD = "postgresql://app@db.acme-prod.io/app"
    """
    found = findings(project, {"app/dsn.py": src}, "TTP402")
    assert [(f.line, f.severity.value) for f in found] == [(1, "high"), (2, "low")]
    assert found[0].message == (
        "connection URL embeds a hard-coded password (…(10 chars)); "
        "read it from the environment or a secret store"
    )


def test_key_value_connection_strings_with_passwords(project) -> None:
    src = """
    import psycopg2
    import pyodbc

    psycopg2.connect("host=db.acme-prod.io user=app password=S3cr3t-99 dbname=app")
    pyodbc.connect("Server=tcp:acme.database.windows.net,1433;Uid=sa;Pwd=Str0ng!Pass;")
    LEGACY = "Data Source=db.acme.io;User Id=admin;Password=admin;"
    psycopg2.connect("dbname=app user=app password=S3cr3t")
    pyodbc.connect("Server=localhost;Uid=sa;Pwd=x9x9x9x9")
    psycopg2.connect("host=%s password=%s" % (host, pw))
    QUERY = "SELECT * FROM users WHERE password = %s"
    """
    assert check(project, {"app/kv.py": src}, "TTP402") == [
        ("app/kv.py", 4, "TTP402", "high"),
        ("app/kv.py", 5, "TTP402", "high"),
        ("app/kv.py", 6, "TTP402", "low"),
    ]


def test_pydantic_wrappers_and_settings_coverage(project) -> None:
    src = """
    from pydantic import Field, SecretStr
    from pydantic_settings import BaseSettings

    class Settings(BaseSettings):
        openai_api_key: SecretStr
        db_password: str = Field(default="Tr0ub4dor-33")
        admin_token: SecretStr = SecretStr("adm-7f3c9b2e")
        api_key: str = ""
        timeout: int = 10
    """
    files = {"app/settings.py": src}
    assert check(project, files, "TTP402") == [
        ("app/settings.py", 6, "TTP402", "high"),
        ("app/settings.py", 7, "TTP402", "high"),
    ]
    assert coverage(project, files, "security.secrets-in-env", "TTP401", "TTP402") == (2, 4)


def test_sites_count_env_reads_and_secret_stores(project) -> None:
    src = """
    import os

    import boto3
    import keyring

    API_KEY = os.environ["API_KEY"]
    db_password = os.getenv("DB_PASSWORD")
    store = boto3.client("secretsmanager")
    client_secret = store.get_secret_value(SecretId="oauth")["SecretString"]
    smtp_password = keyring.get_password("smtp", "alerts")
    SECRET_KEY = "hard-coded-7f3c9b2e"
    """
    assert coverage(project, {"app/s.py": src}, "security.secrets-in-env", "TTP402") == (4, 5)


def test_made_up_credentials_in_tests_are_not_reported_live_keys_are(project) -> None:
    live = fake_keys()["Stripe live key"]
    files = {
        "tests/test_login.py": 'def test_login(c):\n    c.login(password="S3cret-pw-991")\n',
        "tests/test_billing.py": f'STRIPE = "{live}"\n',
        "app/ok.py": 'import os\nAPI_KEY = os.environ["API_KEY"]\n',
    }
    assert check(project, files, "TTP402") == []
    assert coverage(project, files, "security.secrets-in-env", "TTP402") == (1, 1)
    assert check(project, files, "TTP401") == [("tests/test_billing.py", 1, "TTP401", "critical")]


def test_suppression_comment_silences_a_deliberate_fake(project) -> None:
    key = fake_keys()["Stripe live key"]
    src = f'STRIPE = "{key}"  # ttaprod: ignore[TTP401]\n'
    report = run_check(_write(project, {"app/s.py": src}), select=("TTP401",))
    assert not report.findings
    assert key not in repr(report)


# --- the value is never printed -----------------------------------------------------------
def test_no_output_format_or_cache_carries_a_secret_value(project, tmp_path: Path) -> None:
    k = fake_keys()
    weak, strong, dsn_pw = "hunter2", "Zq8-strong-Pw-31", "Xy7pQ2r9vL"
    src = f"""
    import os

    import requests

    OPENAI_API_KEY = "{k["OpenAI project key"]}"
    password = "{weak}"
    db_password = os.getenv("DB_PASSWORD", "{strong}")
    DATABASE_URL = "postgresql://app:{dsn_pw}@db.acme-prod.io/app"

    def push(data):
        auth = {{"Authorization": "Bearer {strong}"}}
        url = "http://api.partner-hub.io/v1"
        return requests.post(url, json=data, headers=auth, auth=("u", "{weak}"))
    """
    root = _write(project, {"app/leaky.py": src})
    out = tmp_path / "reports"
    out.mkdir()
    formats = ["json", "sarif", "junit", "github", "markdown", "gitlab"]
    args = ["check", str(root), "--no-tools", "--no-color", "--preview", "--format", "rich"]
    for fmt in formats:
        args += ["--format", f"{fmt}={out / fmt}"]
    result = subprocess.run(
        [sys.executable, "-m", "ttaprod", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    written = [p for p in [*out.iterdir(), *root.rglob("*")] if p.is_file() and p.suffix != ".py"]
    assert len(written) >= len(formats)  # the reports, and the result cache when written
    everything = "\n".join(
        [result.stdout, result.stderr, *(p.read_text("utf-8", "replace") for p in written)]
    )
    for rule in ("TTP401", "TTP402", "TTP404"):
        assert rule in everything
    assert 'password = "…(7 chars)"' in result.stdout  # the snippet is shown, masked
    for value in (k["OpenAI project key"], k["OpenAI project key"][8:30], weak, strong, dsn_pw):
        assert value not in everything, f"secret value leaked: {value[:4]}…"


def test_mask_helpers() -> None:
    assert redact.mask_value("sk-proj-abcdefghijklmnop") == "…(24 chars)"
    assert redact.mask_value("sk-proj-abcdefghijklmnop", keep=4) == "sk-p…(24 chars)"
    assert redact.mask_value("hunter2") == "…(7 chars)"
    assert redact.mask_string_literals('password = "hunter2"  # a comment "x"') == (
        'password = "…(7 chars)"  # a comment "x"'
    )
    once = redact.mask_string_literals('x = f"Bearer {t}", r"a\\b", b\'zz\'')
    assert redact.mask_string_literals(once) == once  # idempotent
    assert redact.mask_string_literals('KEY = """open-ended secret') == 'KEY = """…(17 chars)'
    assert redact.mask_quoted("Possible hardcoded password: 'hunter2'") == (
        "Possible hardcoded password: '…(7 chars)'"
    )
    key = fake_keys()["GitHub token"]
    assert redact.redact_text(f"token={key} end") == f"token=ghp_…({len(key)} chars) end"
    assert redact.known_format(key) == "GitHub token"
    assert redact.known_format("AKIAIOSFODNN7EXAMPLE") is None


# --- TTP403: TLS verification off ---------------------------------------------------------
def test_verify_false_resolved_through_aliases_sessions_and_clients(project) -> None:
    src = """
    import aiohttp
    import httpx
    import requests as r
    from requests import get as fetch


    class Docs:
        def __init__(self) -> None:
            self.session = r.Session()

        def doc(self, url: str) -> bytes:
            return self.session.get(url, verify=False, timeout=5).content


    fetch("https://a.acme.io", verify=False, timeout=5)
    s = r.session()
    s.verify = False
    client = httpx.Client(verify=False)
    conn = aiohttp.TCPConnector(verify_ssl=False)


    async def pull(url: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(url, ssl=False) as resp:
                await resp.read()
    """
    assert check(project, {"app/http.py": src}, "TTP403") == [
        ("app/http.py", 12, "TTP403", "critical"),
        ("app/http.py", 15, "TTP403", "critical"),
        ("app/http.py", 17, "TTP403", "critical"),
        ("app/http.py", 18, "TTP403", "critical"),
        ("app/http.py", 19, "TTP403", "critical"),
        ("app/http.py", 24, "TTP403", "critical"),
    ]


def test_ssl_module_apis_resolved_by_import(project) -> None:
    src = """
    import ssl as s
    from ssl import CERT_NONE, _create_unverified_context as unverified

    ctx = s.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = s.CERT_NONE
    other = unverified()
    s._create_default_https_context = s._create_unverified_context
    sock_opts = {"cert_reqs": CERT_NONE}
    if ctx.verify_mode == CERT_NONE:
        raise SystemExit("unverified")
    if ctx.verify_mode in (CERT_NONE, s.CERT_OPTIONAL):
        raise SystemExit("unverified")
    TO_OPENSSL = {s.CERT_NONE: 0, s.CERT_REQUIRED: 3}
    ctx.check_hostname = True
    ctx.verify_mode = s.CERT_REQUIRED
    """
    found = findings(project, {"app/tls.py": src}, "TTP403")
    assert [(f.line, f.severity.value) for f in found] == [
        (5, "critical"),
        (6, "critical"),
        (7, "critical"),
        (8, "critical"),
        (9, "critical"),
    ]
    assert found[1].message == (
        "`ssl.CERT_NONE` turns off certificate verification: "
        "anyone on the network path can read and alter the traffic"
    )


def test_an_unverified_context_passed_as_a_setting_is_one_finding_and_one_site(project) -> None:
    src = """
    import ssl

    import aiohttp

    connector = aiohttp.TCPConnector(ssl=ssl._create_unverified_context())
    sock = ssl.wrap_socket(raw, cert_reqs=ssl.CERT_NONE)
    """
    files = {"app/c.py": src}
    assert check(project, files, "TTP403") == [
        ("app/c.py", 5, "TTP403", "critical"),
        ("app/c.py", 6, "TTP403", "critical"),
    ]
    assert coverage(project, files, "security.tls", "TTP403") == (0, 2)


def test_what_does_not_turn_verification_off(project) -> None:
    src = """
    import jwt
    import requests
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    requests.get("https://a.acme.io", verify="/etc/ssl/certs/acme-ca.pem", timeout=5)
    requests.get("https://a.acme.io", verify=True, timeout=5)
    requests.get("https://a.acme.io", verify=VERIFY_TLS, timeout=5)
    jwt.decode(token, key, algorithms=["HS256"], verify=False)
    model.save("model.bin", verify=False)
    """
    files = {"app/ok.py": src}
    assert check(project, files, "TTP403") == []
    assert coverage(project, files, "security.tls", "TTP403") == (3, 3)


def test_unresolved_http_verbs_urllib3_and_database_clients(project) -> None:
    src = """
    import pymongo
    import urllib3
    from elasticsearch import Elasticsearch

    class Api:
        def get(self, url, verify=True): ...

    def push(http, payload):
        http.post("https://partner.io/hook", json=payload, verify=False)
        Api().get("https://partner.io/hook", verify=False)

    pool = urllib3.PoolManager(cert_reqs="CERT_NONE", assert_hostname=False)
    es = Elasticsearch("https://es.acme.io:9200", verify_certs=False)
    mongo = pymongo.MongoClient("mongodb://db.acme.io", tlsAllowInvalidCertificates=True)
    """
    assert check(project, {"app/db.py": src}, "TTP403") == [
        ("app/db.py", 9, "TTP403", "critical"),
        ("app/db.py", 10, "TTP403", "critical"),
        ("app/db.py", 12, "TTP403", "critical"),
        ("app/db.py", 12, "TTP403", "critical"),
        ("app/db.py", 13, "TTP403", "critical"),
        ("app/db.py", 14, "TTP403", "critical"),
    ]


def test_verify_false_in_tests_is_not_reported(project) -> None:
    src = 'import requests\nrequests.get("https://a.io", verify=False)\n'
    files = {"tests/test_http.py": src, "scripts/probe.py": src}
    assert check(project, files, "TTP403") == [("scripts/probe.py", 2, "TTP403", "critical")]


# --- TTP404: plaintext URLs ---------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    [
        "localhost:8000",
        "127.0.0.5",
        "[::1]:8080",
        "0.0.0.0:9000",
        "10.1.2.3",
        "192.168.1.10",
        "172.16.0.1",
        "169.254.169.254",
        "printer.local",
        "api.internal",
        "api.prod.svc",
        "otel.observability.svc.cluster.local:4318",
        "redis:6379",
        "qdrant",
        "example.com",
        "api.example.org",
        "service.test",
        "host.docker.internal",
        "nas.home.arpa",
    ],
)
def test_local_internal_and_reserved_hosts_are_exempt(project, host: str) -> None:
    src = f'BASE_URL = "http://{host}/v1"\n'
    assert check(project, {"app/u.py": src}, "TTP404") == []


@pytest.mark.parametrize("host", ["api.partner.com", "8.8.8.8", "172.32.0.1", "203.0.113.9.nip.io"])
def test_external_hosts_are_flagged(project, host: str) -> None:
    src = f'BASE_URL = "http://{host}/v1"\n'
    found = findings(project, {"app/u.py": src}, "TTP404")
    assert [(f.line, f.severity.value) for f in found] == [(1, "medium")]
    assert found[0].message.startswith(f"plaintext http:// URL to {host}: ")


def test_url_contexts_both_ways(project) -> None:
    src = """
    import os

    import httpx
    import requests as rq
    from pydantic import Field
    from pydantic_settings import BaseSettings

    PAYMENTS_API_URL = "http://api.payments-partner.com/v2"
    BILLING_URL = os.getenv("BILLING_URL", "http://billing.acme-corp.com")
    rq.post("http://hooks.partner.io/events", json={}, timeout=5)
    client = httpx.AsyncClient(base_url="http://api.vendor.net", timeout=10)
    feed = rq.get(f"http://api.weather-data.io/v1/{os.getpid()}", timeout=5)
    UPSTREAM = {"url": "http://geo.mapsdata.org/lookup"}
    ws_endpoint = "ws://stream.market-feed.com/ticks"

    class Settings(BaseSettings):
        search_endpoint: str = "http://search.vendor.io/query"
        billing_url: str = Field(default="http://billing.vendor.io")

    NAMESPACES = {"soap": "http://schemas.xmlsoap.org/soap/envelope/"}
    SCHEMA_URL = "http://json-schema.org/draft-07/schema#"
    XMLNS_URL = "http://www.w3.org/2000/svg"
    HTTP_PROXY_URL = "http://proxy.corp.acme.io:3128"
    message = "see http://docs.partner.com for details"
    dynamic = rq.get(f"http://{os.environ['HOST']}/status", timeout=5)
    upgraded = "https://" + PAYMENTS_API_URL[len("http://"):]
    SECURE_URL = "https://api.payments-partner.com/v2"
    """
    files = {"app/urls.py": src}
    assert check(project, files, "TTP404") == [
        ("app/urls.py", 8, "TTP404", "medium"),
        ("app/urls.py", 9, "TTP404", "medium"),
        ("app/urls.py", 10, "TTP404", "medium"),
        ("app/urls.py", 11, "TTP404", "medium"),
        ("app/urls.py", 12, "TTP404", "medium"),
        ("app/urls.py", 13, "TTP404", "medium"),
        ("app/urls.py", 14, "TTP404", "medium"),
        ("app/urls.py", 17, "TTP404", "medium"),
        ("app/urls.py", 18, "TTP404", "medium"),
    ]
    assert coverage(project, files, "security.tls", "TTP404") == (1, 10)


def test_urls_in_test_files_are_mocks(project) -> None:
    files = {
        "tests/test_api.py": 'import requests\nAPI_URL = "http://api.partner.io"\nrequests.get(API_URL)\n'
    }
    assert check(project, files, "TTP404") == []


def test_a_url_with_a_password_is_masked_in_the_ttp404_snippet(project) -> None:
    src = 'WEBHOOK_URL = "http://bot:Xy7pQ2r9vL@hooks.partner.io/in"\n'
    found = findings(project, {"app/hook.py": src}, "TTP402", "TTP404")
    assert [(f.line, f.rule) for f in found] == [(1, "TTP402"), (1, "TTP404")]
    for finding in found:
        assert "Xy7pQ2r9vL" not in finding.message + finding.snippet


def test_lexical_tokens_are_words_not_credentials(project) -> None:
    src = (
        'default_metavalue_token = "DEFAULT"\n'
        '_COLUMN_TOKEN = "column"\n'
        '_RELATIONSHIP_TOKEN = "relationship"\n'
        'API_TOKEN = "q7Zk2pW9xR4vN8mT3bY6"\n'
        'refresh_token = "c2VjcmV0LXJlZnJlc2gtdG9rZW4tMTIz"\n'
    )
    report = run_check(project({"app/settings.py": src}), select=("TTP402",))
    assert [(f.line, f.rule, f.severity.value) for f in report.findings] == [
        (4, "TTP402", "high"),
        (5, "TTP402", "high"),
    ]


def test_verification_off_behind_a_setting_is_medium_not_critical(project) -> None:
    src = (
        "import ssl\n"
        "\n"
        "def context(verify: bool) -> ssl.SSLContext:\n"
        "    ctx = ssl.create_default_context()\n"
        "    ctx.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE\n"
        "    ctx.check_hostname = verify\n"
        "    return ctx\n"
        "\n"
        "def insecure() -> ssl.SSLContext:\n"
        "    ctx = ssl.create_default_context()\n"
        "    ctx.verify_mode = ssl.CERT_NONE\n"
        "    return ctx\n"
    )
    report = run_check(project({"app/tls.py": src}), select=("TTP403",))
    assert [(f.line, f.severity.value, f.message) for f in report.findings] == [
        (
            5,
            "medium",
            "`ssl.CERT_NONE` turns off certificate verification when `verify` says so: "
            "make sure production never does",
        ),
        (11, "critical", report.findings[1].message),
    ]
    assert report.findings[1].message.startswith(
        "`ssl.CERT_NONE` turns off certificate verification: "
    )
    assert not report.passed  # the unconditional one still blocks the gate


def test_sso_and_ldap_sentinel_passwords_are_not_credentials(project) -> None:
    """A user created by an SSO or LDAP login stores the provider's name as an unusable
    password. A real-looking value, or the same word bound to another credential name, is
    still a credential."""
    src = """
    from app.models import AuthMethod


    def create_ldap_user(db, attributes):
        return db.users.create(
            {
                "username": attributes["uid"],
                "password": "LDAP",
                "auth_method": AuthMethod.LDAP,
            }
        )


    def create_oidc_user(repos, claims):
        return repos.users.create(username=claims["sub"], password="OIDC", email=claims["email"])


    def create_admin(db):
        return db.users.create({"username": "admin", "password": "LDAP-admin-2024"})


    LDAP_BIND_PASSWORD = "s3cr3t-bind-pw"
    WEBHOOK_SECRET = "saml"
    """
    assert check(project, {"app/users.py": src}, "TTP402") == [
        ("app/users.py", 19, "TTP402", "high"),
        ("app/users.py", 22, "TTP402", "high"),
        ("app/users.py", 23, "TTP402", "high"),
    ]


def test_tls_off_in_the_plain_connection_branch_of_a_tls_setting(project) -> None:
    src = """
    import ssl

    import aiohttp


    def connector(use_ssl: bool, ca_file: str) -> aiohttp.TCPConnector:
        if use_ssl:
            return aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=ca_file))
        else:
            return aiohttp.TCPConnector(ssl=False)


    def fast_connector(fast: bool) -> aiohttp.TCPConnector:
        if fast:
            return aiohttp.TCPConnector(limit=100)
        else:
            return aiohttp.TCPConnector(ssl=False)
    """
    # the first is the plain-HTTP branch a TLS setting chose; the second is a hole
    assert check(project, {"app/conn.py": src}, "TTP403") == [
        ("app/conn.py", 17, "TTP403", "critical")
    ]
