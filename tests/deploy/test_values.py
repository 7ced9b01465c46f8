"""Image references, variable expansion and credential judgements for deployment files."""

from __future__ import annotations

import pytest

from ttaprod.deploy import values
from ttaprod.models import Severity

OPENAI_KEY = "sk-proj-" + "Tz8fkUMnDFfiHpMMhJ8gtWweD5ZVvFVzn6d8VfktA3fY0Js2T3BlbkFJ"


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("python", "has no tag (implicitly `latest`)"),
        ("python:latest", "uses the floating tag `latest`"),
        ("ghcr.io/org/app:stable", "uses the floating tag `stable`"),
        ("localhost:5000/app", "has no tag (implicitly `latest`)"),
        ("localhost:5000/app:1.2", None),
        ("python:3.12-slim", None),
        ("python@sha256:" + "a" * 64, None),
        ("python:latest@sha256:" + "a" * 64, None),
        ("scratch", None),
        ("${BASE_IMAGE}", None),
        ("python:${PY}", None),
    ],
)
def test_image_problem(ref: str, problem: str | None) -> None:
    assert values.image_problem(ref) == problem


def test_parse_image_with_registry_port_and_digest() -> None:
    image = values.parse_image("registry.local:5000/team/app:1.4.2@sha256:abc")
    assert (image.name, image.tag, image.digest) == (
        "registry.local:5000/team/app",
        "1.4.2",
        "sha256:abc",
    )


def test_substitute_uses_known_values_and_defaults() -> None:
    known = {"PY": "3.12", "EMPTY": ""}
    assert values.substitute("python:${PY}-slim", known) == "python:3.12-slim"
    assert values.substitute("python:$PY", known) == "python:3.12"
    assert values.substitute("redis:${TAG:-7.4}", {}) == "redis:7.4"
    assert values.substitute("x:${EMPTY:-dflt}", known) == "x:dflt"
    assert values.substitute("x:${UNKNOWN}", known) == "x:${UNKNOWN}"


def test_nonroot_base_images() -> None:
    assert values.runs_nonroot_by_default("gcr.io/distroless/python3-debian12:nonroot")
    assert values.runs_nonroot_by_default("cgr.dev/chainguard/python:latest")
    assert not values.runs_nonroot_by_default("python:3.12-slim")


@pytest.mark.parametrize(
    ("name", "value", "severity", "kind"),
    [
        ("OPENAI_API_KEY", OPENAI_KEY, Severity.CRITICAL, "a live OpenAI API key"),
        ("ANY_NAME", OPENAI_KEY, Severity.CRITICAL, "a live OpenAI API key"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "cWAC8k8oLJIX8IyOOR5VG4qBcvorT4/j994UdVI0",
            Severity.CRITICAL,
            "a live AWS secret access key",
        ),
        ("DB_PASSWORD", "hunter2-very-secret", Severity.HIGH, "a literal value"),
        ("POSTGRES_PASSWORD", "changeme", Severity.LOW, "a weak default"),
        (
            "DATABASE_URL",
            "postgres://app:Zk8q2vW9xTq@db.internal.acme.io/app",
            Severity.HIGH,
            "a password in a URL",
        ),
    ],
)
def test_literal_secrets(name: str, value: str, severity: Severity, kind: str) -> None:
    secret = values.literal_secret(name, value)
    assert secret is not None
    assert (secret.severity, secret.kind) == (severity, kind)
    assert value not in values.masked(secret)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENAI_API_KEY", "${OPENAI_API_KEY}"),
        ("OPENAI_API_KEY", "${OPENAI_API_KEY:?set it}"),
        ("OPENAI_API_KEY", "$OPENAI_API_KEY"),
        ("OPENAI_API_KEY", ""),
        ("OPENAI_API_KEY", None),
        ("OPENAI_API_KEY", "<your-key>"),
        ("SESSION_TOKEN_TTL", "3600"),
        ("API_TOKEN", 3600),
        ("DB_PASSWORD_FILE", "/run/secrets/db_password"),
        ("AWS_ACCESS_KEY_ID", "some-id"),
        ("PWD", "/app/src"),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.internal.acme.io/app"),
        ("DATABASE_URL", "postgres://app:pw@db:5432/app"),  # a compose service name: local
        ("LOG_LEVEL", "info"),
    ],
)
def test_not_secrets(name: str, value: object) -> None:
    assert values.literal_secret(name, value) is None
