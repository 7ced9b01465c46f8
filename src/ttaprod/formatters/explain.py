"""`ttaprod rules` and `ttaprod explain`: the catalogue rendered for people, 80 columns wide."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from ..catalogue import Example, RuleSpec


def rules_table(specs: Sequence[RuleSpec], console: Console) -> None:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    table.add_column("code", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("checklist item", overflow="fold")
    table.add_column("severity", no_wrap=True)
    for spec in specs:
        table.add_row(spec.code, spec.name, spec.checklist_item or "–", spec.severity.value)
    console.print(table)


def _section(title: str, body: RenderableType) -> RenderableType:
    return Group(Text(title, style="bold underline"), Padding(body, (0, 0, 1, 2)))


def _example(example: Example, flagged: bool) -> RenderableType:
    title = Text(example.title or example.path, style="italic")
    if flagged and example.lines:
        title.append(f"  (reported on line {', '.join(map(str, example.lines))})", style="dim")
    code = Syntax(
        example.code.rstrip("\n"),
        example.language,
        line_numbers=True,
        highlight_lines=set(example.lines) if flagged else None,
        word_wrap=True,
        theme="ansi_dark",
    )
    return Group(title, code)


def render(spec: RuleSpec, console: Console) -> None:
    head = Text(f"{spec.code} ", style="bold")
    head.append(spec.name, style="bold cyan")
    head.append(f"  [{spec.checklist_item or 'engine'} · {spec.severity.value}]", style="dim")
    parts: list[RenderableType] = [head, Text(spec.title), Text("")]
    parts.append(_section("What it does", Text(spec.summary)))
    parts.append(_section("Why it matters in production", Text(spec.why)))
    if spec.bad:
        parts.append(_section("Example", Group(*(_example(e, True) for e in spec.bad))))
    if spec.good or spec.use_instead:
        body: list[RenderableType] = [Text(spec.use_instead)] if spec.use_instead else []
        body.extend(_example(e, False) for e in spec.good)
        parts.append(_section("Use instead", Group(*body)))
    if spec.options:
        parts.append(_section("Options", Text(spec.options)))
    if spec.references:
        parts.append(_section("References", Text("\n".join(spec.references))))
    console.print(Group(*parts))
