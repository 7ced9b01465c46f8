"""The error a run that cannot be done as asked raises (exit 2), in a module of its own so
that the command line can catch it without importing the engine."""

from __future__ import annotations


class UsageError(Exception):
    """The run cannot be done as asked (exit 2); the message is one line."""
