"""deploy.container, Dockerfile half: six practices per Dockerfile (TTP501–TTP506).

Only the final stage decides who the container runs as and whether it has a HEALTHCHECK (a
stage built `FROM` an earlier stage inherits both); base-image pins, secrets in ENV/ARG,
dependency installs and remote ADDs are judged in every stage.

- TTP501: the project's own image on a moving channel (`freqtradeorg/freqtrade:develop` in
  freqtrade), or a tag that only an ARG default gives (a release build passes its own), is
  reported at `low`, saying so.
- TTP502: without USER the container still does not serve as root when its ENTRYPOINT script
  (read when it is in the project) drops privileges with gosu, su-exec or setpriv, when the
  image installs such a tool and starts through an ENTRYPOINT, when the base image's own
  entrypoint steps down (official postgres, mysql, redis…), or when the base is the project's
  own image built by a project Dockerfile that ends with a non-root USER.
- TTP503 is not judged (a note says why) for an image that runs several roles (no start
  command of its own, or compose runs it with different commands) or that serves no port
  (no EXPOSE, no server command or server base image): a HEALTHCHECK belongs to each
  container there, and deploy.health-endpoint judges how a worker shows it is alive.
- TTP504: outside production files (development, CI, tests) only a key in a live provider
  format is reported.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from .. import knowledge
from ..facts import Route
from ..models import Evidence, Severity
from ..roles import Role
from ..tally import Issue, Tally
from . import installs, values
from .composefile import build_of, services_of, text_of
from .dockerfile import Dockerfile, Instruction, Located, Stage, arg_defaults, tokens
from .inventory import DockerfileEntry, Inventory
from .purpose import start_command

RULES = ("TTP501", "TTP502", "TTP503", "TTP504", "TTP505", "TTP506")
_ROOT = frozenset({"root", "0"})


@knowledge.derived
def _facts() -> dict[str, Any]:
    return knowledge.table("deploy")


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
    own = inventory.own_names
    tally.practice("TTP501", path, _unpinned_bases(df, path, own), _base_proof(df, path))
    user_issue, user_proof = _root_user(df, final, path, inventory)
    tally.practice("TTP502", path, [user_issue] if user_issue else [], user_proof)
    health_issue, health_proof = _healthcheck(df, final, path)
    why_not = None if health_proof else _not_probed(df, path, inventory, _serves_http(tally))
    if why_not is not None:
        if tally.applies("TTP503", path):
            tally.notes.append(f"{path}: HEALTHCHECK not judged, {why_not}")
    else:
        tally.practice("TTP503", path, [health_issue] if health_issue else [], health_proof)
    production = tally.index.role_of(path) == Role.SERVICE.value
    secrets = _secrets(df, path, production)
    if production or secrets:  # a development file counts only when it holds a live key
        tally.practice("TTP504", path, secrets)
    install_issues, install_proof = installs.issues(
        _shell_texts(df), path, _reader(inventory, path)
    )
    tally.practice("TTP505", path, install_issues, install_proof)
    tally.practice("TTP506", path, _remote_adds(df, path))


def _serves_http(tally: Tally) -> bool:
    """Whether the project's code serves web routes (a long-running web service)."""
    frameworks = set(knowledge.table("health")["web_frameworks"])
    return any(r.framework in frameworks for r in tally.index.facts_of(Route))


def _unpinned_bases(df: Dockerfile, path: str, own_names: frozenset[str]) -> list[Issue]:
    out = []
    fix = "pin a version tag, ideally with its @sha256 digest"
    for stage in df.stages:
        problem = None if df.parent(stage) else values.image_problem(stage.base)
        if not problem:
            continue
        severity = None
        if values.is_own_image(stage.base, own_names):
            problem, severity = values.own_channel(stage.base, problem), Severity.LOW
        written = tokens(stage.from_.args, df.escape)[0][0]
        from_args = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", written)
        if from_args:
            names = ", ".join(dict.fromkeys(from_args))
            problem += (
                f": the image comes from ARG defaults ({names}), so only a build that passes"
                " no --build-arg gets it"
            )
            severity = Severity.LOW
        message, anchor = f"base image `{stage.base}` {problem}", f"FROM {stage.base}"
        out.append(
            Issue("TTP501", path, stage.from_.line, message, anchor, severity=severity, fix=fix)
        )
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


def _root_user(
    df: Dockerfile, final: Stage, path: str, inventory: Inventory
) -> tuple[Issue | None, Evidence | None]:
    found = df.last(final, "USER")
    if found is None:
        base = df.chain(final)[-1].base
        if values.runs_nonroot_by_default(base):
            note = f"base image {base} runs as a non-root user"
            return None, Evidence(path, final.from_.line, note)
        dropped = _privilege_drop(df, final, path, inventory)
        if dropped is not None:
            return None, dropped
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


def _privilege_drop(
    df: Dockerfile, final: Stage, path: str, inventory: Inventory
) -> Evidence | None:
    """Why the container does not serve as root although the final stage sets no USER."""
    chain = df.chain(final)
    base = chain[-1].base
    entrypoint = df.last(final, "ENTRYPOINT")
    if values.steps_down_by_default(base) and entrypoint is None:
        note = f"base image {base} starts its server as its own user (its entrypoint steps down)"
        return Evidence(path, final.from_.line, note)
    facts = _facts()["privileges"]
    tools = "|".join(re.escape(t) for t in facts["tools"])
    if entrypoint is not None:
        script = _entrypoint_script(df, chain, entrypoint[1], path, inventory)
        if script is not None:
            used = re.search(rf"(?<![\w-])({tools})(?![\w-])", script[1])
            if used:
                note = f"ENTRYPOINT script {script[0]} drops root with {used.group(1)}"
                return Evidence(script[0], 1 + script[1][: used.start()].count("\n"), note)
        packages = "|".join(re.escape(p) for p in facts["packages"])
        install = re.compile(
            rf"\b(?:install|add)\b[^;&|]*?(?<![\w./-])({packages})(?![\w-])|/({packages})\b"
        )
        for stage in chain:
            for ins in stage.instructions:
                hit = install.search(ins.args.text) if ins.keyword == "RUN" else None
                if hit:
                    tool = hit.group(1) or hit.group(2)
                    note = (
                        f"installs {tool} and starts through ENTRYPOINT"
                        f" {entrypoint[1].args.text.strip()[:40]}: it drops root at start"
                    )
                    return Evidence(path, ins.args.line_at(hit.start()), note)
    return _own_base_user(base, path, inventory)


def _entrypoint_script(
    df: Dockerfile, chain: list[Stage], entrypoint: Instruction, path: str, inventory: Inventory
) -> tuple[str, str] | None:
    """(project path, text) of the script the ENTRYPOINT runs, when the project holds it: the
    source of the COPY/ADD that put it there, or a file of that name by the Dockerfile."""
    text = entrypoint.args.text.strip()
    try:
        words = [str(w) for w in json.loads(text)] if text.startswith("[") else []
    except ValueError:
        words = []
    words = words or [w for w, _ in tokens(entrypoint.args, df.escape)]
    script = next((w for w in words if w.endswith(".sh") or w.startswith(("/", "./"))), None)
    if script is None:
        return None
    name = posixpath.basename(script)
    here = posixpath.dirname(path)
    sources: list[str] = []
    for stage in chain:
        for ins in stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from"):
                continue
            words_ = [w for w, _ in tokens(ins.args, df.escape)]
            if len(words_) < 2:
                continue
            dest = words_[-1]
            for source in words_[:-1]:
                if dest == script or (
                    posixpath.basename(source) == name and posixpath.join(dest, name) == script
                ):
                    sources.append(source)
    sources.append(posixpath.join(here, name) if here else name)
    for source in sources:
        for rel in (posixpath.normpath(posixpath.join(here, source)), posixpath.normpath(source)):
            found = inventory.read(rel.lstrip("/"))
            if found is not None:
                return rel.lstrip("/"), found
    return None


def _own_base_user(base: str, path: str, inventory: Inventory) -> Evidence | None:
    """The project's own base image, built by a project Dockerfile whose final stage runs as a
    non-root USER (the image a compose file builds under that name, else the root Dockerfile)."""
    if not values.is_own_image(base, inventory.own_names):
        return None
    name = values.parse_image(base).name
    builders = [
        build.dockerfile
        for file in inventory.compose
        if file.error is None
        for service in services_of(file).values()
        if isinstance(service, dict)
        and isinstance(service.get("image"), str)
        and values.parse_image(service["image"]).name == name
        and (build := build_of(file.path, service)) is not None
    ]
    for rel in [*builders, "Dockerfile"]:
        entry = inventory.dockerfile_at(rel)
        if rel == path or entry is None or entry.parsed is None:
            continue
        found = entry.parsed.last(entry.parsed.stages[-1], "USER")
        user = found[1].args.text.strip().split(":")[0] if found else ""
        if found and user.lower() not in _ROOT and "$" not in user:
            note = f"base image {base} is the project's own, built by {rel} (USER {user})"
            return Evidence(rel, found[1].line, note)
    return None


def _not_probed(df: Dockerfile, path: str, inventory: Inventory, serves_http: bool) -> str | None:
    """Why a HEALTHCHECK in this image would be wrong or meaningless, or None."""
    commands = {
        text_of(service.get("command"))
        for file in inventory.compose
        if file.error is None
        for service in services_of(file).values()
        if (build := build_of(file.path, service)) is not None and build.dockerfile == path
    }
    if len(commands) > 1:
        shown = ", ".join(sorted(f"`{c}`" if c else "its default" for c in commands)[:3])
        return f"compose runs the image with different commands ({shown}): one check fits not all"
    final = df.stages[-1]
    chain = df.chain(final)
    base = chain[-1].base
    servers = _facts()["servers"]
    server_base = any(re.search(p, base) for p in servers["base_images"])
    start = start_command(df)
    if start is None and not server_base:
        return "the image has no start command of its own: each container's says what it runs"
    if any(ins.keyword == "EXPOSE" for stage in chain for ins in stage.instructions):
        return None
    if server_base or (start and any(re.search(p, start[1]) for p in servers["commands"])):
        return None
    if serves_http:
        return None  # `python -m app` of a project that serves web routes
    return "the image serves no port (no EXPOSE, no server command): nothing to probe"


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


def env_pairs(ins: Instruction, escape: str) -> list[tuple[str, str | None, int]]:
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


def _secrets(df: Dockerfile, path: str, production: bool) -> list[Issue]:
    out = []
    for ins in (i for i in df.instructions if i.keyword in ("ENV", "ARG")):
        for name, value, offset in env_pairs(ins, df.escape):
            line, anchor = ins.args.line_at(offset), f"{ins.keyword} {name}"
            secret = values.literal_secret(name, value)
            if not production and (secret is None or secret.severity is not Severity.CRITICAL):
                continue  # outside production files only a live key is reported
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
    build context), then at the project root (`docker/Dockerfile` built with the root as its
    context): `-r requirements.txt`, `-r /app/requirements.txt`."""
    here = posixpath.dirname(dockerfile)

    def read(name: str) -> str | None:
        for base in dict.fromkeys((here, "")):
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
