"""Argument types for secrets: plain frozen values, parsed from a profile by cutover.config.secrets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecretConfig:
    name: str  # logical key: "jwt-signing-key"
    description: str
    length: int
    special: bool  # include punctuation (off for values embedded in URLs or headers)
