"""A YAML alias bomb is refused quickly as an unparseable file, never a hang."""

from __future__ import annotations

import time

from ttaprod.deploy import yamlfiles

from ..conftest import run_check


def _bomb(levels: int = 9) -> list[str]:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return lines


def test_loader_refuses_the_expansion() -> None:
    started = time.perf_counter()
    loaded = yamlfiles.load("x.yml", "\n".join(_bomb()) + "\n")
    assert loaded.error is not None and "through aliases" in loaded.error.message
    assert loaded.docs == []
    assert time.perf_counter() - started < 5


def test_shared_aliases_of_a_normal_file_still_load() -> None:
    text = "x-defaults: &d {restart: always, image: 'a:1'}\nservices:\n  web: *d\n  worker:\n    <<: *d\n"
    loaded = yamlfiles.load("docker-compose.yml", text)
    assert loaded.error is None
    services = loaded.docs[0]["services"]
    assert services["web"]["restart"] == "always" and services["worker"]["image"] == "a:1"


def test_bomb_in_a_manifest_is_one_finding_and_the_run_goes_on(project) -> None:
    body = "\n".join("    " + line for line in _bomb())
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n"
        f"{body}\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: web:1.0\n          args: *a9\n"
    )
    root = project({"k8s/deploy.yaml": manifest, "app.py": "x = 1\n"})
    started = time.perf_counter()
    report = run_check(root)
    assert time.perf_counter() - started < 30
    assert [(f.path, f.rule) for f in report.findings if f.rule == "TTP590"] == [
        ("k8s/deploy.yaml", "TTP590")
    ]
