"""Malformed input is a finding, never a crash: random Dockerfile and YAML text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ttaprod.deploy import dockerfile, yamlfiles
from ttaprod.deploy.dockerfile import DockerfileError

_PIECES = st.sampled_from(
    [
        "FROM ",
        "RUN ",
        "ENV ",
        "ARG ",
        "USER ",
        "ADD ",
        "COPY ",
        "HEALTHCHECK ",
        "AS ",
        "<<EOF",
        "<<-X",
        "EOF",
        "X",
        "\\",
        "`",
        "\n",
        "\t",
        " ",
        "#",
        "# escape=`",
        "=",
        '"',
        "'",
        "--a=b",
        "python:3",
        "${A:-b}",
        "$A",
        '["a"]',
        "pip install x",
        "-r r.txt",
        "onbuild ",
        "scratch",
    ]
)
_DOCKERFILES = st.lists(_PIECES, max_size=40).map("".join)
_YAML = st.lists(
    st.sampled_from(
        [
            "a:",
            " ",
            "\n",
            "  - ",
            "b: c",
            "{",
            "}",
            "[",
            "]",
            "&x",
            "*x",
            "<<: *x",
            "!!python/name:x",
            "'",
            '"',
            "---",
            "? ",
            "|",
            ">",
            "#",
            "\t",
            "{{ .Values.x }}",
            "kind: Deployment",
            "apiVersion: v1",
            "groups:",
            "rules:",
            "- alert: X",
            "expr: up",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_DOCKERFILES)
def test_the_dockerfile_parser_only_raises_its_own_error(text: str) -> None:
    try:
        parsed = dockerfile.parse(text)
    except DockerfileError as exc:
        assert exc.line >= 1
        return
    for ins in parsed.instructions:
        assert 1 <= ins.line <= ins.end_line
        dockerfile.tokens(ins.args)


@settings(max_examples=300, deadline=None)
@given(_YAML)
def test_the_yaml_loader_never_raises(text: str) -> None:
    loaded = yamlfiles.load("x.yaml", text)
    assert loaded.error is None or loaded.error.line >= 1


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "services",
                    "image",
                    "build",
                    "environment",
                    "restart",
                    "healthcheck",
                    "test",
                    "extends",
                    "deploy",
                    "restart_policy",
                    "spec",
                    "template",
                    "containers",
                    "name",
                    "env",
                    "value",
                    "valueFrom",
                    "secretKeyRef",
                    "resources",
                    "requests",
                    "limits",
                    "securityContext",
                    "runAsNonRoot",
                    "runAsUser",
                    "replicas",
                    "scaleTargetRef",
                    "kind",
                    "groups",
                    "rules",
                    "alert",
                    "expr",
                    "record",
                    "disable",
                    "context",
                    "dockerfile",
                    "target",
                    "initContainers",
                    "metadata",
                    "namespace",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(_JSONISH, st.sampled_from(["Deployment", "HorizontalPodAutoscaler", "PrometheusRule"]))
def test_the_checks_never_crash_on_odd_shapes(tmp_path_factory, value: object, kind: str) -> None:
    import yaml

    from .helpers import item, report

    root = tmp_path_factory.mktemp("odd")
    body = yaml.safe_dump({"services": value, "spec": value, "groups": value}, sort_keys=False)
    manifest = yaml.safe_dump(
        {"apiVersion": "v1", "kind": kind, "spec": {"template": {"spec": value}}}
    )
    files = {
        "compose.yaml": body,
        "k8s/app.yaml": manifest + "---\n" + body,
        "alerts.yml": body,
        "Dockerfile": "FROM python:3.12\n",
    }
    result = report(root, files, select=("TTP5", "TTP906"))
    internal = [(f.path, f.message) for f in result.findings if f.rule == "TTP906"]
    assert internal == [], internal  # a check that raised on these shapes is TTP906
    for item_id in ("deploy.container", "deploy.kubernetes", "deploy.alerts"):
        verdict = item(result, item_id)
        assert not verdict.reason.startswith("not judged: internal error"), verdict.reason
