"""The Dockerfile parser: directives, comments, continuations, heredocs, stages, errors."""

from __future__ import annotations

from textwrap import dedent

import pytest

from ttaprod.deploy import dockerfile
from ttaprod.deploy.dockerfile import DockerfileError


def parse(text: str) -> dockerfile.Dockerfile:
    """Dedented; `TAB ` at the start of a line stands for a tab (for `<<-` heredocs)."""
    return dockerfile.parse(dedent(text).lstrip("\n").replace("TAB ", "\t"))


def test_continuations_drop_comment_and_empty_lines_and_keep_physical_lines() -> None:
    df = parse(
        r"""
        FROM python:3.12-slim
        RUN apt-get update && \
            # a comment inside the continuation is removed
            apt-get install -y curl \

            && pip install -r requirements.txt
        USER app
        """
    )
    run = df.instructions[1]
    assert (run.keyword, run.line, run.end_line) == ("RUN", 2, 6)
    assert "comment" not in run.args.text
    assert run.args.line_at(run.args.text.index("curl")) == 4
    assert run.args.line_at(run.args.text.index("pip")) == 6
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "USER"]
    assert df.instructions[2].line == 7


def test_parser_directives_only_at_the_top() -> None:
    df = parse(
        """
        # syntax=docker/dockerfile:1.7
        # escape=`
        FROM python:3.12-slim
        RUN echo a `
            b
        # check=skip=all
        USER app
        """
    )
    assert df.directives == {"syntax": "docker/dockerfile:1.7", "escape": "`"}
    assert df.escape == "`"
    run = df.instructions[1]
    assert (run.line, run.end_line) == (4, 5)
    assert run.args.text.split() == ["echo", "a", "b"]


def test_a_directive_after_a_comment_is_a_comment() -> None:
    df = parse(
        """
        # About this image
        # escape=`
        FROM python:3.12-slim
        """
    )
    assert df.directives == {}
    assert df.escape == "\\"


def test_heredocs_are_bodies_with_their_own_lines() -> None:
    df = parse(
        """
        FROM python:3.12-slim
        RUN <<EOF
        pip install -r requirements.txt
        python -m compileall /app
        EOF
        COPY <<-"CONF" /etc/app.conf
        TAB level = info
        TAB CONF
        RUN <<ONE cat > /a && <<TWO cat > /b
        first
        ONE
        second
        TWO
        USER app
        """
    )
    run, copy, double, user = df.instructions[1:]
    assert (run.line, run.end_line) == (2, 5)
    body = run.heredocs[0].body
    assert body.text.splitlines() == [
        "pip install -r requirements.txt",
        "python -m compileall /app",
    ]
    assert body.line_at(body.text.index("python")) == 4
    assert copy.heredocs[0].delimiter == "CONF"
    assert copy.heredocs[0].body.text == "level = info"
    assert [h.body.text for h in double.heredocs] == ["first", "second"]
    assert (user.keyword, user.line) == ("USER", 14)


def test_stages_global_args_and_inheritance() -> None:
    df = parse(
        """
        ARG PY=3.12
        ARG BASE
        FROM --platform=$BUILDPLATFORM python:${PY}-slim AS build
        USER builder
        HEALTHCHECK CMD true
        FROM build AS test
        FROM ${BASE}
        FROM test
        """
    )
    assert df.global_args == {"PY": "3.12", "BASE": ""}
    assert [(s.base, s.name) for s in df.stages] == [
        ("python:3.12-slim", "build"),
        ("build", "test"),
        ("${BASE}", None),
        ("test", None),
    ]
    assert df.stages[0].from_.flag("platform") == "$BUILDPLATFORM"
    final = df.stages[-1]
    assert [s.index for s in df.chain(final)] == [3, 1, 0]
    found = df.last(final, "USER")
    assert found is not None and found[1].line == 4
    assert df.healthcheck(final) is not None and df.healthcheck(df.stages[2]) is None


def test_flags_are_split_from_arguments() -> None:
    df = parse(
        """
        FROM python:3.12-slim
        ADD --checksum=sha256:abc --chown=app:app https://example.com/x.tgz /opt/
        RUN --mount=type=secret,id=tok --network=none pip install -r r.txt
        """
    )
    add, run = df.instructions[1:]
    assert add.flags == (("checksum", "sha256:abc"), ("chown", "app:app"))
    assert add.args.text == "https://example.com/x.tgz /opt/"
    assert run.flag("mount") == "type=secret,id=tok"
    assert run.args.text == "pip install -r r.txt"


def test_tokens_unquote_and_keep_offsets() -> None:
    df = parse(
        """
        FROM python:3.12-slim
        ENV A=1 B="two words" C='x y'
        """
    )
    env = df.instructions[1]
    words = dockerfile.tokens(env.args)
    assert [w for w, _ in words] == ["A=1", "B=two words", "C=x y"]
    assert env.args.text[words[1][1] :].startswith('B="two')


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("RUN pip install x\nFROM python:3.12\n", 1, "RUN before the first FROM"),
        ("FROM python:3.12\nFOO bar\n", 2, "unknown instruction `FOO`"),
        ("# just a comment\n", 1, "no FROM instruction"),
        ("FROM\n", 1, "FROM needs an image"),
        ("FROM a b c d\n", 1, "FROM needs an image"),
        ("FROM python:3.12\nRUN <<EOF\necho never closed\n", 2, "heredoc `<<EOF` is never closed"),
    ],
)
def test_what_docker_refuses_is_an_error_with_a_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        dockerfile.parse(text)
    assert caught.value.line == line
    assert caught.value.message.startswith(message)


def test_instructions_are_case_insensitive_and_onbuild_is_kept() -> None:
    df = parse(
        """
        from python:3.12-slim as base
        onbuild run pip install x
        """
    )
    assert df.stages[0].name == "base"
    assert df.instructions[1].keyword == "ONBUILD"
