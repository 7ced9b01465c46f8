"""Project items judged from the whole project (registered by `ttaprod.checks.project`):

- `observability.py`: observability.integration, .tracing, .metrics (TTP213);
- `logs.py`: the project half of observability.structured-logging;
- `health.py`: deploy.health-endpoint (TTP541);
- `testsuite.py` (+ `coverage.py`): quality.tests;
- `evidence.py`: performance.load-testing, security.secret-storage (with `attest.py`);
- `deployfiles.py`: start commands, probe paths and secret references in deployment files;
- `common.py`: verdicts, evidence, findings on real lines.

Importing the package registers the `[tool.ttaprod] attest` config key.
"""

from __future__ import annotations

from . import attest

__all__ = ["attest"]
