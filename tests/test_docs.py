"""Generated documentation is fresh: docs/rules.md and the README's rules table."""

from __future__ import annotations

from ttaprod import docgen

from .conftest import REPO


def test_rules_reference_is_fresh() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == docgen.rules_document(), (
        "docs/rules.md is stale: run `python -m ttaprod.docgen`"
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
