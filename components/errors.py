"""The error a component raises for arguments it cannot build: pulumi-free, profile-free.

A component sees combinations a parser cannot (the refs other components built, the listener rules a
set of routes needs); it names the offending argument by a key path and says what is allowed. The
profile layer maps it to its ConfigError with the same text (cutover/adapter.py), so the CLI prints
``<path>: <message> (allowed: ...)`` and the offline plan exits 2; another program catches it as a
ValueError.
"""

from __future__ import annotations


class ComponentError(ValueError):
    """``path`` names the argument (a profile key when the caller passed one), ``message`` the problem."""

    def __init__(self, path: str, message: str, allowed: str | None = None) -> None:
        self.path = path
        self.message = message
        self.allowed = allowed
        text = f"{path}: {message}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)

    # ConfigError's attribute names, so a caller reports either error the same way.
    @property
    def key(self) -> str:
        return self.path

    @property
    def problem(self) -> str:
        return self.message
