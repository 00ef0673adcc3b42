"""Typed, path-aware access to a raw configuration mapping.

Every accessor reports errors with the full key (``cutover:overrides.network.azCount``) and the
allowed values, and ``Reader.finish()`` rejects keys nobody read, so a typo fails loudly instead of
being silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from components.specs.tags import (  # noqa: F401  (moved there; this module re-exports them)
    SUPPRESS_TAG_PREFIX,
    suppression_tags,
)
from cutover.errors import ConfigError, suggest
from cutover.errors import bounds as range_text

E = TypeVar("E", bound=Enum)
_DECIMAL = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
T = TypeVar("T")
_MISSING: Any = object()


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


class Reader:
    """Reads one mapping. ``path`` is the key prefix used in error messages."""

    def __init__(self, data: Mapping[str, Any] | None, path: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"must be a mapping, got {_type_name(data)}")
        self._data = data
        self.path = path
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        if not self.path or self.path.endswith(":"):  # "cutover:" + "greenWeight"
            return f"{self.path}{name}"
        return f"{self.path}.{name}"

    def has(self, name: str) -> bool:
        return name in self._data and self._data[name] is not None

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        self._seen.add(name)
        if name not in self._data or self._data[name] is None:
            if default is _MISSING:
                raise ConfigError(self.key(name), "is required")
            return default
        return self._data[name]

    def string(self, name: str, default: Any = _MISSING, *, choices: Iterable[str] | None = None,
               pattern: Callable[[str], bool] | None = None, describe: str | None = None) -> str:
        value = self.raw(name, default)
        if value is None:  # an explicit None default: the caller asked for an optional string
            return None  # type: ignore[return-value]
        if not isinstance(value, str):
            raise ConfigError(self.key(name), f"must be a string, got {_type_name(value)} {value!r}",
                              describe)
        if choices is not None:
            allowed = list(choices)
            if value not in allowed:
                raise ConfigError(self.key(name), f"unknown value {value!r}{suggest(value, allowed)}",
                                  " | ".join(allowed))
        if pattern is not None and not pattern(value):
            raise ConfigError(self.key(name), f"invalid value {value!r}", describe)
        return value

    def enum(self, name: str, enum: type[E], default: E | None = None) -> E:
        allowed = [m.value for m in enum]
        value = self.string(name, default.value if default is not None else _MISSING, choices=allowed)
        return enum(value)

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self.raw(name, default)
        bounds = range_text(minimum, maximum)
        if isinstance(value, str):  # flat keys arrive from the engine as strings
            # Strict decimal digits: int() would also read "1_0" as 10 and non-ASCII digits.
            if not _DECIMAL.match(value.strip()):
                raise ConfigError(self.key(name), f"must be an integer in decimal digits, got {value!r}", bounds)
            value = int(value.strip(), 10)
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(self.key(name), f"must be an integer, got {_type_name(value)} {value!r}",
                                  bounds)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ConfigError(self.key(name), f"{value} is out of range", bounds)
        return value

    def number(self, name: str, default: Any = _MISSING, *, minimum: float | None = None,
               maximum: float | None = None) -> float:
        value = self.raw(name, default)
        bounds = range_text(minimum, maximum)
        if isinstance(value, str):
            if not _DECIMAL_NUMBER.match(value.strip()):  # float() also reads "1_0", "nan" and "inf"
                raise ConfigError(self.key(name), f"must be a number, got {value!r}", bounds)
            value = float(value.strip())
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(self.key(name), f"must be a number, got {_type_name(value)} {value!r}", bounds)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(self.key(name), f"must be a finite number, got {value!r}", bounds)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ConfigError(self.key(name), f"{value} is out of range", bounds)
        return float(value)

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self.raw(name, default)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ConfigError(self.key(name), f"must be true or false, got {value!r}", "true | false")
        return value

    def section(self, name: str) -> Reader:
        return Reader(self.raw(name, {}), self.key(name))

    def string_list(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self.raw(name, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(self.key(name), f"must be a list of strings, got {value!r}")
        return tuple(value)

    def mapping_of(self, name: str, parse: Callable[[str, Reader], T]) -> tuple[T, ...]:
        """A mapping keyed by name (never a list: adding one entry must not rename the others)."""
        return self.section(name).entries(parse)

    def entries(self, parse: Callable[[str, Reader], T]) -> tuple[T, ...]:
        """``parse(key, section)`` for every key of this mapping, each section and then this one finished."""
        items = []
        for key in self.keys():
            inner = self.section(key)
            items.append(parse(key, inner))
            inner.finish()
        self.finish()
        return tuple(items)

    def suppressions(self, name: str = "suppress") -> tuple[tuple[str, str], ...]:
        """Policy waivers ``{policy-name: reason}`` (see :func:`suppression_tags`); empty when absent.

        The reason becomes an AWS tag value, so it is checked here: 20..256 characters of letters,
        digits, spaces and ``_ . : / = + - @`` (no ``$`` or commas: write "100 USD").
        """
        section = self.section(name)
        out: list[tuple[str, str]] = []
        for policy in section.keys():  # noqa: SIM118 (Reader.keys, not a dict)
            if not _POLICY_NAME.match(policy):
                raise ConfigError(section.key(policy), f"{policy!r} is not a policy name", "e.g. rds-multi-az")
            reason = section.string(policy, describe="the reason the policy is waived for this resource")
            reason = " ".join(reason.split())
            if len(reason) < MIN_WAIVER_REASON or len(reason) > 256 or not _TAG_VALUE.match(reason):
                raise ConfigError(section.key(policy), f"a waiver needs a reason that fits an AWS tag value, got "
                                  f"{reason!r}", f"{MIN_WAIVER_REASON}..256 characters: letters, digits, spaces and "
                                  "_ . : / = + - @")
            out.append((policy, reason))
        section.finish()
        return tuple(sorted(out))

    def keys(self) -> list[str]:
        return [str(k) for k in self._data]

    def finish(self) -> None:
        """Reject keys that no accessor asked for."""
        unknown = [k for k in self._data if k not in self._seen]
        if unknown:
            first = str(unknown[0])
            known = sorted(self._seen)
            raise ConfigError(self.key(first), f"unknown key{suggest(first, known)}",
                              ", ".join(known) if known else "no keys here")


MIN_WAIVER_REASON = 20
_POLICY_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]+$")


