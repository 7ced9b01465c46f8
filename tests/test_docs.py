"""Generated files are fresh: docs/rules.md, the README's rules table, the JSON copies of rules/."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttaprod import catalogue, docgen, precompiled
from ttaprod.tomlcompat import loads

from .conftest import REPO


def test_rules_reference_is_fresh() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == docgen.rules_document(), (
        "docs/rules.md is stale: run `python -m ttaprod.docgen`"
    )


@pytest.mark.parametrize("name", docgen.PRECOMPILED)
def test_precompiled_copies_are_fresh(name: str) -> None:
    directory = REPO / "rules" / name
    stored = precompiled.copy_path(directory).read_text(encoding="utf-8")
    assert stored == precompiled.render(directory), (
        f"rules/{name}.json is stale: run `python -m ttaprod.docgen`"
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


@pytest.mark.parametrize("name", docgen.PRECOMPILED)
def test_a_precompiled_copy_holds_what_the_toml_files_give(name: str) -> None:
    directory = REPO / "rules" / name
    assert list(precompiled.tables(directory).items()) == list(_parsed(directory).items())


def test_an_edited_catalogue_is_read_from_its_toml_files(tmp_path: Path) -> None:
    directory = tmp_path / "catalogue"
    directory.mkdir()
    source = REPO / "rules" / "catalogue" / "TTP101-http-call-without-timeout.toml"
    text = source.read_text(encoding="utf-8")
    (directory / source.name).write_text(text, encoding="utf-8")
    precompiled.copy_path(directory).write_text(precompiled.render(directory), encoding="utf-8")
    assert catalogue.load_dir(directory)["TTP101"].title == catalogue.get("TTP101").title
    edited = text.replace('title = "', 'title = "Edited: ', 1)
    (directory / source.name).write_text(edited, encoding="utf-8")
    assert catalogue.load_dir(directory)["TTP101"].title.startswith("Edited: ")


def _parsed(directory: Path) -> dict[str, dict[str, object]]:
    return {
        path.name: loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.toml"))
    }
