"""TTP401 in comments: `# OPENAI_API_KEY=sk-proj-…` leaks a key as surely as a literal.

Comments are trivia the batched walker does not visit, so this detector looks for them
once, after the walk, and only in files where a key keyword follows a `#` on some line
(a handful of files in a large tree).
"""

from __future__ import annotations

import re

import libcst as cst

from ... import redact
from ...analysis import secrets as sk
from ...engine.detector import Detector

ITEM = "security.secrets-in-env"


def _needs() -> tuple[bytes, ...]:
    return tuple(sorted({k.encode() for fmt in redact.formats() for k in fmt.keywords}))


class KeysInComments(Detector):
    codes = ("TTP401",)
    needs = _needs()

    def finish(self) -> None:
        hint = redact.keyword_hint()
        if not self._key_after_hash(hint):
            return
        todo: list[cst.CSTNode] = [self.ctx.module]
        while todo:
            node = todo.pop()
            if not isinstance(node, cst.Comment):
                todo.extend(node.children)
                continue
            found = redact.find_key(node.value) if hint.search(node.value) else None
            if found is not None:
                verdict = sk.Verdict("key", found[1], found[0])
                self.ctx.site(ITEM, "TTP401", node, sk.key_problem(verdict, "a comment"))

    def _key_after_hash(self, hint: re.Pattern[str]) -> bool:
        for line in self.ctx.text.splitlines():
            at = line.find("#")
            if at >= 0 and hint.search(line, at):
                return True
        return False
