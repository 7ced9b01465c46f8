"""`--diff REF`: the whole project is analysed, only changed lines are reported."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from ttaprod.gitdiff import Changes, parse, unquote
from ttaprod.resources import package_file

from .conftest import BARE_CALL, CLEAN, git, lines_of, report, ttaprod, write

SCHEMA = json.loads(package_file("report.schema.json").read_text(encoding="utf-8"))
TWO_CALLS = (
    "import requests\n\n\n"
    "def first(url: str) -> object:\n    return requests.get(url, timeout=5)\n\n\n"
    "def second(url: str) -> object:\n    return requests.post(url, timeout=5)\n"
)


def test_only_changed_lines_are_reported(repo) -> None:
    root = repo(
        {
            "app/modified.py": TWO_CALLS,
            "app/untouched.py": BARE_CALL,
            "app/renamed.py": BARE_CALL.replace("fetch", "fetch_renamed"),
            "app/moved.py": TWO_CALLS.replace("first", "moved_first"),
            "app/deleted.py": BARE_CALL.replace("fetch", "fetch_deleted"),
        }
    )
    git(root, "checkout", "-q", "-b", "feature")
    # a modified line (line 9 loses its timeout), a new file nobody told git about, a deleted
    # file, a pure rename and a rename with an edit (line 5 loses its timeout)
    write(root, {"app/modified.py": TWO_CALLS.replace("post(url, timeout=5)", "post(url)")})
    write(root, {"app/untracked.py": BARE_CALL.replace("fetch", "fetch_new")})
    git(root, "rm", "-q", "app/deleted.py")
    git(root, "mv", "app/renamed.py", "app/renamed_now.py")
    git(root, "mv", "app/moved.py", "app/moved_now.py")
    moved = (root / "app/moved_now.py").read_text(encoding="utf-8")
    write(root, {"app/moved_now.py": moved.replace("get(url, timeout=5)", "get(url)")})

    code, data = report(root, "--no-tools", "--diff", "main")
    assert code == 1
    assert lines_of(data) == {
        ("app/modified.py", 9, "TTP101"),
        ("app/moved_now.py", 5, "TTP101"),
        ("app/untracked.py", 5, "TTP101"),
    }
    scope = data["scope"]
    assert scope["mode"] == "diff" and scope["ref"] == "main"
    assert scope["files"] == ["app/modified.py", "app/moved_now.py", "app/untracked.py"]
    assert scope["hidden"] > 0  # the untouched and renamed files' findings
    assert "3 findings on changed lines (3 high)" in data["gate"]["reasons"]
    assert data["stats"]["files"] == 5  # the whole project was analysed
    assert any(
        n.startswith("changed lines only: findings on lines added or changed since main")
        for n in data["notes"]
    )
    jsonschema.validate(data, SCHEMA)

    rich = ttaprod("check", ".", "--no-tools", "--diff", "main", "--no-cache", cwd=root)
    assert "changed lines only" in rich.stdout and "app/untouched.py" not in rich.stdout


def test_a_clean_change_passes_though_the_project_does_not(repo) -> None:
    root = repo({"app/legacy.py": BARE_CALL, "app/new.py": CLEAN})
    write(root, {"app/new.py": CLEAN + "\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n"})
    code, whole = report(root, "--no-tools")
    assert code == 1  # the project fails its gate ...
    code, data = report(root, "--no-tools", "--diff", "HEAD")
    assert code == 0 and data["findings"] == []  # ... the change does not
    assert data["score"] == whole["score"]  # the score still describes the whole project
    code, data = report(root, "--no-tools", "--diff", "HEAD", "--diff-gate-project")
    assert code == 1 and any("fail-under" in r for r in data["gate"]["reasons"])


def test_commits_on_the_target_branch_are_not_our_changes(repo) -> None:
    root = repo({"app/a.py": TWO_CALLS, "app/b.py": CLEAN})
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {"app/b.py": CLEAN + "\n# a comment\n"})
    git(root, "commit", "-qam", "ours")
    git(root, "checkout", "-q", "main")
    write(root, {"app/a.py": TWO_CALLS.replace("post(url, timeout=5)", "post(url, timeout=9)")})
    git(root, "commit", "-qam", "theirs")
    git(root, "checkout", "-q", "feature")
    code, data = report(root, "--no-tools", "--diff", "main")
    assert code == 0 and data["findings"] == []
    assert data["scope"]["files"] == ["app/b.py"]  # compared with the merge base


def test_removing_a_line_inside_a_call_reports_the_call(repo) -> None:
    call = (
        "import requests\n\n\ndef f(url: str) -> object:\n"
        "    return requests.get(\n        url,\n        timeout=5,\n    )\n"
    )
    root = repo({"app/a.py": call})
    write(root, {"app/a.py": call.replace("        timeout=5,\n", "")})
    _, data = report(root, "--no-tools", "--diff", "HEAD")
    assert ("app/a.py", 5, "TTP101") in lines_of(data)


def test_bad_ref_or_no_repository_is_one_line_and_exit_2(repo, tmp_path: Path) -> None:
    root = repo({"app/a.py": CLEAN})
    done = ttaprod("check", ".", "--no-tools", "--diff", "no-such-branch", cwd=root)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "ttaprod: error: --diff: unknown git revision 'no-such-branch' "
        "(fetch it, or check the name)"
    )
    plain = tmp_path / "plain"
    write(plain, {"a.py": CLEAN})
    done = ttaprod("check", ".", "--no-tools", "--diff", "main", cwd=plain)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "--diff needs a git repository" in done.stderr
    done = ttaprod("check", ".", "--no-tools", "--diff-gate-project", cwd=root)
    assert done.returncode == 2 and "--diff-gate-project needs --diff REF" in done.stderr


def test_diff_with_a_baseline_reports_only_new_findings_on_changed_lines(repo) -> None:
    root = repo({"app/a.py": BARE_CALL})
    assert ttaprod("baseline", ".", "--no-tools", cwd=root).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "baseline")
    changed = BARE_CALL + "\n\ndef other(url: str) -> object:\n    return requests.get(url)\n"
    write(root, {"app/a.py": changed})
    baseline = ".ttaprod-baseline.json"
    code, data = report(root, "--no-tools", "--diff", "HEAD", "--baseline", baseline)
    # the new call has the same code as the known one: the unchanged line is matched first
    assert code == 1 and lines_of(data) == {("app/a.py", 9, "TTP101")}
    assert data["stats"]["baselined"] == 0 and data["baseline"]["stale"] == []


def test_parse_reads_git_diff_output() -> None:
    diff = "\n".join(
        [
            "diff --git a/app/x.py b/app/x.py",
            "index 1..2 100644",
            "--- a/app/x.py",
            "+++ b/app/x.py",
            "@@ -3 +3 @@ def f():",
            "-a",
            "+b",
            "@@ -10,2 +9,0 @@",
            "@@ -20,0 +19,3 @@",
            "diff --git a/gone.py b/gone.py",
            "deleted file mode 100644",
            "--- a/gone.py",
            "+++ /dev/null",
            "@@ -1,4 +0,0 @@",
            'diff --git "a/sp ace/\\303\\251t\\303\\251.py" "b/sp ace/\\303\\251t\\303\\251.py"',
            '--- "a/sp ace/\\303\\251t\\303\\251.py"',
            '+++ "b/sp ace/\\303\\251t\\303\\251.py"',
            "@@ -1 +1,2 @@",
        ]
    )
    ranges, gaps = parse(diff)
    assert ranges == {"app/x.py": [(3, 3), (19, 21)], "sp ace/été.py": [(1, 2)]}
    assert gaps == {"app/x.py": [9]}
    assert unquote('"tab\\there"') == "tab\there"
    changes = Changes("main", "abc", {"a.py": ((3, 3),)}, {"a.py": (9,)}, frozenset({"n.py"}))
    assert changes.touches("a.py", 3, 3) and changes.touches("a.py", 1, 5)
    assert not changes.touches("a.py", 4, 4) and not changes.touches("a.py", 9, 9)
    assert changes.touches("a.py", 8, 10)  # lines were deleted inside it
    assert changes.touches("n.py", 100, 100) and not changes.touches("other.py", 3, 3)
