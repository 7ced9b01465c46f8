"""`ttaprod check --shard I/N` and `ttaprod merge`: the merged report is the single run's
(findings, lines, items, score, gate, exit code) on every fixture, for 2 and 3 shards; a set
of partial reports that is not one whole run is refused with one line and exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ttaprod import cli, sharding
from ttaprod.api import CheckOptions, MergeOptions, merge_shards, run_check
from ttaprod.formatters import json_report
from ttaprod.resources import package_file

from .helpers import FIXTURES

PROJECTS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what differs between runs of the same tree: timings."""
    data = json.loads(json.dumps(data))
    data["stats"].pop("duration_s")
    for tool in data["tools"]:
        tool.pop("duration_s")
    return data


def _shards(root: Path, out: Path, count: int, **options: Any) -> list[Path]:
    written = []
    for index in range(1, count + 1):
        shard = sharding.Shard(index, count)
        report = run_check(CheckOptions(paths=(root,), shard=shard, **options)).report
        target = out / f"shard-{index}-of-{count}.json"
        target.write_text(json_report.render(report), encoding="utf-8")
        written.append(target)
    return written


def _merged(reports: list[Path]) -> dict[str, Any]:
    report = merge_shards(MergeOptions(tuple(reports), suggest=True)).report
    return json_report.report_dict(report, show_suppressed=True)


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("name", PROJECTS)
def test_merged_shards_equal_a_single_run(name: str, count: int, tmp_path: Path) -> None:
    options: dict[str, Any] = {"no_tools": True, "no_cache": True, "preview": True}
    single = run_check(CheckOptions(paths=(FIXTURES / name,), suggest=True, **options)).report
    reports = _shards(FIXTURES / name, tmp_path, count, **options)
    merged = _merged(reports)
    assert _comparable(merged) == _comparable(json_report.report_dict(single, show_suppressed=True))
    assert merged["passed"] == single.passed
    for path in reports:  # every partial report is a valid report, with its shard
        data = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(SCHEMA).validate(data)
        assert data["shard"]["count"] == count


def test_every_file_is_in_exactly_one_shard_and_the_split_is_stable() -> None:
    paths = [f"pkg/module_{i}.py" for i in range(3000)]
    for count in (1, 2, 3, 7):
        shards = [sharding.Shard(s, count) for s in range(1, count + 1)]
        owners = [[s.index for s in shards if s.owns(p)] for p in paths]
        assert all(len(o) == 1 for o in owners)
        sizes = [sum(1 for o in owners if o == [s.index]) for s in shards]
        assert max(sizes) - min(sizes) < 0.25 * len(paths) / count  # a hash: about even
    # by a hash of the path alone (SHA-256): the same on every machine, Python and run
    assert [sharding.bucket(f"app/m{i}.py", 3) for i in range(8)] == [0, 2, 1, 0, 1, 1, 2, 2]


def test_tools_are_split_by_shard() -> None:
    first, second = sharding.Shard(1, 2), sharding.Shard(2, 2)
    assert sharding.tools_for(first, True, True) == {"ruff", "pyright", "bandit", "safety"}
    assert sharding.tools_for(second, True, True) == {"ruff", "pyright", "bandit"}
    assert sharding.tools_for(second, False, True) == frozenset()
    assert sharding.tools_for(first, False, False) == {"ruff", "pyright", "bandit", "safety"}


def test_the_tool_notes_merge_as_one_run_writes_them() -> None:
    from ttaprod.tools import bandit, pyright

    one = pyright.unresolved_note(4, {"aiohttp", "fastapi", "httpx", "zeep"})
    two = pyright.unresolved_note(2, {"anthropic", "boto3"})
    assert pyright.merged_note([one, two, ""]) == pyright.unresolved_note(
        6, {"aiohttp", "anthropic", "boto3", "fastapi", "httpx", "zeep"}
    )
    assert pyright.merged_note(["something else"]) is None
    assert bandit.merged_note(["could not scan 2 file(s)", "", "could not scan 1 file(s)"]) == (
        "could not scan 3 file(s)"
    )


# --- the command line ------------------------------------------------------------------------
def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        cli.main([*args])
    out = capsys.readouterr()
    return int(ended.value.code or 0), out.out, out.err


@pytest.fixture
def bad_service(tmp_path: Path) -> Path:
    root = tmp_path / "rag"
    shutil.copytree(FIXTURES / "rag_service_bad", root)
    return root


def _cli_shards(capsys: pytest.CaptureFixture[str], root: Path, count: int) -> list[Path]:
    out = []
    for index in range(1, count + 1):
        target = root.parent / f"part{index}-of-{count}.json"
        code, _, err = _run(
            capsys, "check", str(root), "--no-tools", "--no-cache",
            "--shard", f"{index}/{count}", "-f", f"json={target}", "-q",
        )  # fmt: skip
        assert (code, err) == (0, "")  # a shard's gate is the merge's
        out.append(target)
    return out


def test_merge_gives_the_single_runs_exit_code_in_any_format(
    capsys: pytest.CaptureFixture[str], bad_service: Path
) -> None:
    single_code, single_out, _ = _run(
        capsys, "check", str(bad_service), "--no-tools", "--no-cache", "-f", "json"
    )
    parts = _cli_shards(capsys, bad_service, 3)
    code, out, err = _run(capsys, "merge", *map(str, reversed(parts)), "-f", "json")
    assert (code, err) == (single_code, "") and single_code == 1
    assert _comparable(json.loads(out)) == _comparable(json.loads(single_out))
    sarif = bad_service.parent / "merged.sarif"
    code, out, _ = _run(capsys, "merge", *map(str, parts), "-f", "rich", "-f", f"sarif={sarif}")
    assert code == 1 and "Score" in out and json.loads(sarif.read_text())["runs"]
    code, _, _ = _run(capsys, "merge", *map(str, parts), "-q", "--fail-under", "0")
    assert code == 1  # critical findings still block
    code, out, _ = _run(capsys, "merge", *map(str, parts), "-f", "json", "--fail-under", "0")
    assert json.loads(out)["gate"]["fail_under"] == 0


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ttaprod: error: ")
    return err


def test_an_incomplete_or_mixed_set_is_refused(
    capsys: pytest.CaptureFixture[str], bad_service: Path, tmp_path: Path
) -> None:
    one, two, three = _cli_shards(capsys, bad_service, 3)
    assert "shard 3 of 3 missing" in _refused(capsys, "merge", str(one), str(two))
    assert "shard 2/3 given twice" in _refused(capsys, "merge", str(one), str(two), str(two))
    pair = _cli_shards(capsys, bad_service, 2)
    assert "shard count" in _refused(capsys, "merge", str(one), str(two), str(pair[1]))

    def edited(source: Path, change: Any) -> Path:
        data = json.loads(source.read_text())
        change(data)
        target = tmp_path / f"edited-{source.name}"
        target.write_text(json.dumps(data))
        return target

    older = edited(three, lambda d: d.update(version="0.0.1"))
    assert "written by ttaprod 0.0.1" in _refused(capsys, "merge", str(one), str(two), str(older))
    moved = edited(three, lambda d: d.update(root=str(tmp_path)))
    assert "root" in _refused(capsys, "merge", str(one), str(two), str(moved))
    other = edited(three, lambda d: d["shard"].update(config="0" * 64))
    assert "configuration" in _refused(capsys, "merge", str(one), str(two), str(other))
    options = edited(three, lambda d: d["shard"]["options"].update(select=["TTP1"]))
    assert "options" in _refused(capsys, "merge", str(one), str(two), str(options))
    whole = tmp_path / "whole.json"
    _run(capsys, "check", str(bad_service), "--no-tools", "--no-cache", "-f", f"json={whole}")
    assert "not a partial report" in _refused(capsys, "merge", str(whole))
    assert "not a JSON report" in _refused(capsys, "merge", str(bad_service / "README.md"))
    assert "cannot read" in _refused(capsys, "merge", str(tmp_path / "nothing.json"))


def test_a_tree_that_changed_since_the_shards_is_refused(
    capsys: pytest.CaptureFixture[str], bad_service: Path
) -> None:
    parts = _cli_shards(capsys, bad_service, 2)
    (bad_service / "app" / "main.py").write_text("print('changed')\n")
    assert "changed since" in _refused(capsys, "merge", *map(str, parts))
    (bad_service / "app" / "new_module.py").write_text("x = 1\n")
    assert "other files" in _refused(capsys, "merge", *map(str, parts))
    (bad_service / "pyproject.toml").write_text("[tool.ttaprod]\nfail-under = 12\n")
    assert "configuration" in _refused(capsys, "merge", *map(str, parts))


def test_shard_option_mistakes_are_refused(
    capsys: pytest.CaptureFixture[str], bad_service: Path
) -> None:
    root = str(bad_service)
    assert "expected I/N" in _refused(capsys, "check", root, "--shard", "4/3", "-f", "json")
    assert "expected I/N" in _refused(capsys, "check", root, "--shard", "two", "-f", "json")
    assert "-f json=FILE" in _refused(capsys, "check", root, "--shard", "1/2")
    assert "fix" in _refused(capsys, "check", root, "--shard", "1/2", "-f", "json", "--fix")
