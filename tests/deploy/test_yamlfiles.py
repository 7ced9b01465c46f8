"""YAML with line numbers: marks, multi-document files, merge keys, errors, safety."""

from __future__ import annotations

from textwrap import dedent

from ttaprod.deploy import yamlfiles
from ttaprod.deploy.yamlfiles import YList, YMap, get


def load(text: str) -> yamlfiles.YamlFile:
    return yamlfiles.load("x.yaml", dedent(text).lstrip("\n"))


def test_keys_values_and_items_remember_their_lines() -> None:
    f = load(
        """
        spec:
          replicas: 3
          containers:
            - name: api
              image:
                registry.example.com/api:1.0
            - {name: sidecar, image: envoy:1.31}
        """
    )
    spec = f.docs[0]["spec"]
    assert isinstance(spec, YMap) and spec.pos.line == 2
    assert spec.line("replicas") == 2 and spec["replicas"] == 3
    containers = spec["containers"]
    assert isinstance(containers, YList)
    assert [containers.line(0), containers.line(1)] == [4, 7]
    api = containers[0]
    assert api.line("image") == 5 and api.value_line("image") == 6
    assert api.line("missing") == 4  # absent key: where the mapping starts


def test_every_document_of_a_multi_document_file() -> None:
    f = load(
        """
        apiVersion: v1
        kind: Service
        ---
        # a comment-only document is empty
        ---
        apiVersion: apps/v1
        kind: Deployment
        """
    )
    assert f.error is None
    kinds = [get(d, "kind") for d in f.docs]
    assert kinds == ["Service", None, "Deployment"]
    assert f.docs[2].line("kind") == 7


def test_a_syntax_error_keeps_the_documents_before_it_and_its_line() -> None:
    f = load(
        """
        a: 1
        ---
        b: [1, 2
        c: 3
        """
    )
    assert f.docs == [{"a": 1}]
    assert f.error is not None and f.error.line == 4
    tabbed = yamlfiles.load("x.yml", "services:\n  api:\n\timage: x\n")
    assert tabbed.error is not None and tabbed.error.line == 3


def test_merge_keys_aliases_and_scalar_types() -> None:
    f = load(
        """
        x-base: &base
          restart: always
          retries: 0x10
        svc:
          <<: *base
          enabled: yes
          ratio: 1.5
          empty:
          when: 2024-01-01
        """
    )
    svc = f.docs[0]["svc"]
    assert svc == {
        "restart": "always",
        "retries": 16,
        "enabled": True,
        "ratio": 1.5,
        "empty": None,
        "when": "2024-01-01",
    }
    assert svc.line("restart") == 2  # merged keys point where they are written


def test_custom_and_python_tags_are_never_constructed() -> None:
    f = load(
        """
        a: !!python/object/apply:os.system ["echo pwned"]
        b: !Ref SomeResource
        c: !!python/name:builtins.print
        """
    )
    assert f.error is None
    assert f.docs[0]["b"] == "SomeResource"
    assert f.docs[0]["a"] == ["echo pwned"]  # a plain list: nothing ran


def test_recursive_aliases_do_not_loop() -> None:
    f = load(
        """
        a: &a
          self: *a
        """
    )
    assert f.error is None
    assert f.docs[0]["a"] == {"self": None}


def test_template_detection_tells_helm_from_prometheus_annotations() -> None:
    helm = r"\{\{-?\s*(?:\.|\$\.|include\b|toYaml\b|template\b|tpl\b|define\b|required\b|default\b)"
    assert yamlfiles.is_template("replicas: {{ .Values.replicas }}\n", helm)
    assert yamlfiles.is_template('{{- include "x" . }}\n', helm)
    assert yamlfiles.is_template("{% if x %}a: 1{% endif %}\n", helm)
    assert not yamlfiles.is_template('summary: "{{ $labels.instance }} down"\n', helm)
