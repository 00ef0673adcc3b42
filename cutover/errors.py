"""The one error type a user sees for bad configuration."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any


class ConfigError(ValueError):
    """A configuration value is wrong. The message names the key and what is allowed.

    ``__main__`` turns it into ``pulumi.RunError`` so the CLI prints the message without a
    Python traceback; the offline plan prints it and exits with status 2.
    """

    def __init__(self, key: str, problem: str, allowed: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.allowed = allowed
        text = f"{key}: {problem}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)


def suggest(word: str, choices: Iterable[str]) -> str:
    """' Did you mean X?' when a close match exists, else ''."""
    match = get_close_matches(word, list(choices), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def bounds(minimum: Any, maximum: Any) -> str | None:
    """A range as error messages print it: ``1..100``, ``>= 1``, ``<= 100``, or None when unbounded."""
    if minimum is not None and maximum is not None:
        return f"{minimum}..{maximum}"
    if minimum is not None:
        return f">= {minimum}"
    if maximum is not None:
        return f"<= {maximum}"
    return None
