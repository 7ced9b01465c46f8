"""Generated files are fresh: docs/rules.md, the README's rules table, rules/catalogue.json."""

from __future__ import annotations

import json
from pathlib import Path

from ttaprod import catalogue, docgen
from ttaprod.tomlcompat import loads

from .conftest import REPO


def test_rules_reference_is_fresh() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == docgen.rules_document(), (
        "docs/rules.md is stale: run `python -m ttaprod.docgen`"
    )


def test_precompiled_catalogue_is_fresh() -> None:
    stored = (REPO / "rules" / "catalogue.json").read_text(encoding="utf-8")
    assert stored == docgen.catalogue_json(REPO), (
        "rules/catalogue.json is stale: run `python -m ttaprod.docgen`"
    )


def test_readme_rules_table_is_fresh() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert docgen.START in readme and docgen.END in readme
    assert docgen.readme_with_table(readme) == readme, (
        "README rules table is stale: run `python -m ttaprod.docgen`"
    )


def test_readme_gives_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "ttaprod check" in readme
    assert "python -m pytest" in readme and "python -m pytest" in ci


def test_precompiled_catalogue_is_what_the_toml_files_give() -> None:
    directory = REPO / "rules" / "catalogue"
    parsed = {name: catalogue.parse_rule(raw, name) for name, raw in _parsed(directory).items()}
    assert catalogue.load_dir(directory) == {spec.code: spec for spec in parsed.values()}


def test_an_edited_catalogue_is_read_from_its_toml_files(tmp_path: Path) -> None:
    directory = tmp_path / "catalogue"
    directory.mkdir()
    source = REPO / "rules" / "catalogue" / "TTP101-http-call-without-timeout.toml"
    text = source.read_text(encoding="utf-8")
    (directory / source.name).write_text(text, encoding="utf-8")
    (tmp_path / catalogue.PRECOMPILED).write_text(
        json.dumps(catalogue.precompiled(directory)), encoding="utf-8"
    )
    assert catalogue.load_dir(directory)["TTP101"].title == catalogue.get("TTP101").title
    edited = text.replace('title = "', 'title = "Edited: ', 1)
    (directory / source.name).write_text(edited, encoding="utf-8")
    assert catalogue.load_dir(directory)["TTP101"].title.startswith("Edited: ")


def _parsed(directory: Path) -> dict[str, dict[str, object]]:
    return {
        path.name: loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.toml"))
    }
