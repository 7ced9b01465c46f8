"""deploy.container, Dockerfile half: six practices per Dockerfile (TTP501–TTP506).

Only the final stage decides who the container runs as and whether it has a HEALTHCHECK (a
stage built `FROM` an earlier stage inherits both); base-image pins, secrets in ENV/ARG,
dependency installs and remote ADDs are judged in every stage.
"""

from __future__ import annotations

import json
import posixpath
import re

from ..models import Evidence, Severity
from ..tally import Issue, Tally
from . import installs, values
from .dockerfile import Dockerfile, Instruction, Located, Stage, arg_defaults, tokens
from .inventory import DockerfileEntry, Inventory

RULES = ("TTP501", "TTP502", "TTP503", "TTP504", "TTP505", "TTP506")
_ROOT = frozenset({"root", "0"})


def check(entry: DockerfileEntry, inventory: Inventory, tally: Tally) -> None:
    path, df = entry.path, entry.parsed
    if df is None:
        error = entry.error
        assert error is not None
        message = f"Dockerfile cannot be parsed: {error.message}"
        tally.practice("TTP590", path, [Issue("TTP590", path, error.line, message, "parse")])
        for rule in RULES:
            tally.unverifiable(rule, path, 1)
        return
    final = df.stages[-1]
    tally.practice("TTP501", path, _unpinned_bases(df, path), _base_proof(df, path))
    user_issue, user_proof = _root_user(df, final, path)
    tally.practice("TTP502", path, [user_issue] if user_issue else [], user_proof)
    health_issue, health_proof = _healthcheck(df, final, path)
    tally.practice("TTP503", path, [health_issue] if health_issue else [], health_proof)
    tally.practice("TTP504", path, _secrets(df, path))
    install_issues, install_proof = installs.issues(
        _shell_texts(df), path, _reader(inventory, path)
    )
    tally.practice("TTP505", path, install_issues, install_proof)
    tally.practice("TTP506", path, _remote_adds(df, path))


def _unpinned_bases(df: Dockerfile, path: str) -> list[Issue]:
    out = []
    fix = "pin a version tag, ideally with its @sha256 digest"
    for stage in df.stages:
        problem = None if df.parent(stage) else values.image_problem(stage.base)
        if problem:
            message, anchor = f"base image `{stage.base}` {problem}", f"FROM {stage.base}"
            out.append(Issue("TTP501", path, stage.from_.line, message, anchor, fix=fix))
    return out


def _base_proof(df: Dockerfile, path: str) -> Evidence:
    base = df.chain(df.stages[-1])[-1]  # the external image the final stage comes from
    how = "pinned by digest" if values.is_digest_pinned(base.base) else "pinned by tag"
    return Evidence(path, base.from_.line, f"base image {base.base} {how}")


def _scope(df: Dockerfile, stage: Stage) -> dict[str, str]:
    known = dict(df.global_args)
    for ins in stage.instructions:
        if ins.keyword == "ARG":
            for name, value in arg_defaults(ins, df.escape).items():
                known[name] = value or df.global_args.get(name, "")
    return {k: v for k, v in known.items() if v}


def _root_user(df: Dockerfile, final: Stage, path: str) -> tuple[Issue | None, Evidence | None]:
    found = df.last(final, "USER")
    if found is None:
        base = df.chain(final)[-1].base
        if values.runs_nonroot_by_default(base):
            note = f"base image {base} runs as a non-root user"
            return None, Evidence(path, final.from_.line, note)
        message = f"the final stage runs as root: no USER instruction (`{base}` defaults to root)"
        fix = "create a user and add `USER app` to the final stage"
        return Issue("TTP502", path, final.from_.line, message, "no USER", fix=fix), None
    stage, ins = found
    written = ins.args.text.strip()
    user = values.substitute(written, _scope(df, stage)).split(":")[0].strip("\"'")
    if user.lower() in _ROOT:
        message = f"the final stage runs as root: its last USER is `{written}`"
        fix = "switch to a non-root user after the steps that need root"
        return Issue("TTP502", path, ins.line, message, f"USER {user}", fix=fix), None
    return None, Evidence(path, ins.line, f"runs as USER {written}")


def _healthcheck(df: Dockerfile, final: Stage, path: str) -> tuple[Issue | None, Evidence | None]:
    found = df.last(final, "HEALTHCHECK")
    if found is None:
        message = "the final image has no HEALTHCHECK: nothing tells the runtime it is stuck"
        fix = "add `HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1`"
        return Issue("TTP503", path, final.from_.line, message, "no HEALTHCHECK", fix=fix), None
    ins = found[1]
    if ins.args.text.strip().upper().startswith("NONE"):
        message = "HEALTHCHECK NONE disables the image's health check"
        return Issue("TTP503", path, ins.line, message, "HEALTHCHECK NONE"), None
    return None, Evidence(path, ins.line, "HEALTHCHECK " + ins.args.text.strip()[:60])


def _env_pairs(ins: Instruction, escape: str) -> list[tuple[str, str | None, int]]:
    """(name, value or None when not set, offset of the name) of an ENV or ARG."""
    words = tokens(ins.args, escape)
    if ins.keyword == "ENV" and words and "=" not in words[0][0]:
        name, offset = words[0]
        return [(name, ins.args.text[offset + len(name) :].strip(), offset)]
    out: list[tuple[str, str | None, int]] = []
    for word, offset in words:
        name, eq, value = word.partition("=")
        out.append((name, value if eq else None, offset))
    return out


def _secrets(df: Dockerfile, path: str) -> list[Issue]:
    out = []
    for ins in (i for i in df.instructions if i.keyword in ("ENV", "ARG")):
        for name, value, offset in _env_pairs(ins, df.escape):
            line, anchor = ins.args.line_at(offset), f"{ins.keyword} {name}"
            secret = values.literal_secret(name, value)
            if secret is not None:
                message = (
                    f"{ins.keyword} {name} holds {secret.kind} ({values.masked(secret)}):"
                    " it is stored in the image"
                )
                extra = {"severity": secret.severity, "secret": secret.value, "fix": _SECRET_FIX}
                out.append(Issue("TTP504", path, line, message, anchor, **extra))
            elif values.is_credential_name(name) and (
                ins.keyword == "ARG" or values.has_variable(value or "")
            ):
                message = (
                    f"{ins.keyword} {name} passes a credential through the build:"
                    " it stays in the image history"
                )
                extra = {"severity": Severity.MEDIUM, "fix": _SECRET_FIX}
                out.append(Issue("TTP504", path, line, message, anchor, **extra))
    return out


_SECRET_FIX = (
    "use `RUN --mount=type=secret` at build time and inject runtime secrets from a secret store"
)


def _reader(inventory: Inventory, dockerfile: str) -> installs.Reader:
    """Requirements files as a RUN names them, looked up next to the Dockerfile (the usual
    build context): `-r requirements.txt`, `-r /app/requirements.txt`."""
    base = posixpath.dirname(dockerfile)

    def read(name: str) -> str | None:
        for candidate in (name.lstrip("/"), posixpath.basename(name)):
            text = inventory.read(posixpath.normpath(posixpath.join(base, candidate)))
            if text is not None:
                return text
        return None

    return read


def _shell_texts(df: Dockerfile) -> list[Located]:
    out = []
    for ins in df.instructions:
        if ins.keyword != "RUN":
            continue
        text = ins.args.text.strip()
        if text.startswith("["):
            try:
                words = json.loads(text)
                out.append(Located(" ".join(str(w) for w in words), (0,), (ins.line,)))
                continue
            except ValueError:
                pass
        out.append(ins.args)
        out.extend(heredoc.body for heredoc in ins.heredocs)
    return out


def _remote_adds(df: Dockerfile, path: str) -> list[Issue]:
    out = []
    fix = "add `--checksum=sha256:…`, or download with curl and verify it"
    for ins in df.instructions:
        if ins.keyword != "ADD" or ins.flag("checksum"):
            continue
        for word, offset in tokens(ins.args, df.escape)[:-1]:
            if re.match(r"https?://", word, re.IGNORECASE) and not word.lower().endswith(".git"):
                message = f"ADD downloads `{word}` at build time with no checksum: it can change"
                line = ins.args.line_at(offset)
                out.append(Issue("TTP506", path, line, message, f"ADD {word}", fix=fix))
    return out
