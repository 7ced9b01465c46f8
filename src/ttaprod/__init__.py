"""ttaprod: a production-readiness linter and auditor for Python services."""

__version__ = "0.1.0"
