"""`ttaprod rules` and `ttaprod explain`: the catalogue rendered for people, 80 columns wide."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..checklist import SECTIONS
from ..rulespec import Example, RuleSpec

ENGINE = "Engine notes"
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def rules_table(specs: Sequence[RuleSpec], console: Console) -> None:
    """Rules grouped by checklist section; each row fits 80 columns: code, name, severity,
    fix (`safe`, `unsafe` or –: `ttaprod check --fix`) and the item within the section
    (`errors.timeout` under Error handling: `timeout`)."""
    groups: dict[str, list[RuleSpec]] = {title: [] for title in SECTIONS.values()}
    groups[ENGINE] = []
    for spec in specs:
        section = spec.checklist_item.split(".", 1)[0] if spec.checklist_item else ""
        groups[SECTIONS.get(section, ENGINE)].append(spec)
    name_width = min(max((len(s.name) for s in specs), default=4), 40)
    for title, members in groups.items():
        if not members:
            continue
        table = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False)
        table.add_column("code", no_wrap=True, width=6)
        table.add_column("name", overflow="fold", width=name_width)
        table.add_column("severity", no_wrap=True, width=8)
        table.add_column("fix", no_wrap=True, width=6)
        table.add_column("item", overflow="fold")
        table.show_header = False
        for spec in members:
            item = (spec.checklist_item or "–").split(".", 1)[-1]
            item += " (preview)" if spec.preview else ""
            table.add_row(spec.code, spec.name, spec.severity.value, spec.fix or "–", item)
        console.print(Text(title, style="bold underline"))
        console.print(table)


def prose(text: str) -> Text:
    """Catalogue text reflowed for the terminal: the TOML's hard line breaks inside a
    paragraph become spaces; blank lines, list items and indented lines stay."""
    lines: list[str] = []
    for raw in text.strip("\n").splitlines():
        line = raw.rstrip()
        joinable = lines and lines[-1] and line and not _LIST_ITEM.match(line)
        if joinable and not line.startswith("  ") and not lines[-1].startswith("  "):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line)
    return Text("\n".join(lines))


def _section(title: str, body: RenderableType) -> RenderableType:
    return Group(Text(title, style="bold underline"), Padding(body, (0, 0, 1, 2), expand=False))


def _example(example: Example, flagged: bool, plain: bool = False) -> RenderableType:
    """`plain`: output without colour, so the code is not highlighted (nor its lexer loaded)."""
    from rich.syntax import Syntax  # pygments: only when an example is shown

    title = Text(example.title or example.path, style="italic")
    if flagged and example.lines:
        title.append(f"  (reported on line {', '.join(map(str, example.lines))})", style="dim")
    code = Syntax(
        example.code.rstrip("\n"),
        "text" if plain else example.language,
        line_numbers=True,
        highlight_lines=set(example.lines) if flagged else None,
        word_wrap=True,
        theme="ansi_dark",
    )
    return Group(title, code)


def render(spec: RuleSpec, console: Console) -> None:
    from .. import precision  # its TOML file: read for `explain`, not for `rules`

    plain = console.color_system is None
    head = Text(f"{spec.code} ", style="bold")
    head.append(spec.name, style="bold cyan")
    tier = " · preview" if spec.preview else ""
    head.append(f"  [{spec.checklist_item or 'engine'} · {spec.severity.value}{tier}]", style="dim")
    parts: list[RenderableType] = [head, Text(spec.title), Text("")]
    parts.append(_section("What it does", prose(spec.summary)))
    parts.append(_section("Why it matters in production", prose(spec.why)))
    if spec.bad:
        parts.append(_section("Example", Group(*(_example(e, True, plain) for e in spec.bad))))
    if spec.good or spec.use_instead:
        body: list[RenderableType] = [prose(spec.use_instead)] if spec.use_instead else []
        body.extend(_example(e, False, plain) for e in spec.good)
        parts.append(_section("Use instead", Group(*body)))
    if spec.fix:
        how = "ttaprod check --fix" if spec.fix == "safe" else "ttaprod check --fix --unsafe-fixes"
        parts.append(_section(f"Fix ({spec.fix}: {how})", prose(spec.fix_summary)))
    if spec.options:
        parts.append(_section("Options", prose(spec.options)))
    found = precision.measured(spec.code)
    note = (
        found.describe()
        if found
        else f"not measured yet: no finding on the corpus ({precision.DOC})"
    )
    parts.append(_section("Measured precision", prose(note)))
    if spec.references:
        parts.append(_section("References", Text("\n".join(spec.references))))
    console.print(Group(*parts))
