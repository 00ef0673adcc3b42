"""A bounded fuzz of mutated profile trees (issue 11, "What must exist" 9).

Each example takes a profile and environment, picks a key path of the merged document and applies one
mutation through ``cutover:overrides`` (wrong type, null, unknown key, huge or negative number, unicode,
empty string, a 300-character string, an invalid CIDR). The parser either accepts the document or raises
a ConfigError naming a key; never another exception (a traceback, exit 1 in the CLI), and an unknown key
or a value of the wrong type is never accepted silently.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cutover.config import parse_stack_config
from cutover.config.profiles import Layers, read_profile
from cutover.config.schema import node_at
from cutover.errors import ConfigError
from tests.conftest import PROFILES

MUTATIONS = {
    "null": None, "string-for-number": "12", "list": [1, "x"], "mapping": {"x": 1}, "true": True,
    "huge": 10**18, "negative": -7, "float": 1e308, "unicode": "ñämé-💥", "empty": "", "long": "a" * 300,
    "bad-cidr": "10.0.0.300/33", "zero": 0,
}


def _paths(doc: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            path = (*prefix, str(k))
            out.append(path)
            out += _paths(v, path)
    return out


_MERGED = {(p, e): Layers(p, read_profile(p), e, {}).merged for p in PROFILES for e in ("dev", "prod")}
_PATHS = {k: _paths(v) for k, v in _MERGED.items()}


def _declared_type(path: tuple[str, ...]) -> Any:
    try:
        node = node_at(".".join(path))
    except KeyError:
        return None
    return node.get("type")


def _fixed_keys(path: tuple[str, ...]) -> bool:
    """A mapping with declared keys only (not one keyed by name, like services)."""
    if not path:
        return True
    try:
        node = node_at(".".join(path))
    except KeyError:
        return False
    return "properties" in node and not isinstance(node.get("additionalProperties"), dict)


def _nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(path):
        out = {part: out}
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from(sorted(_MERGED)), mutation=st.sampled_from(sorted(MUTATIONS)),
       unknown=st.booleans())
def test_mutated_profiles_parse_or_fail_with_the_key(data: st.DataObject, which: tuple[str, str], mutation: str,
                                                     unknown: bool) -> None:
    profile, env = which
    path = data.draw(st.sampled_from(_PATHS[which]))
    value = copy.deepcopy(MUTATIONS[mutation])
    if unknown:  # a key nobody declared, next to the chosen one
        path = (*path[:-1], path[-1] + "Typo")
        value = 1
    overrides = _nest(path, value)
    dotted = ".".join(path)
    try:
        parse_stack_config({"profile": profile, "environment": env, "overrides": overrides}, project="cutover",
                           stack=env)
    except ConfigError as err:
        assert err.key and str(err).startswith(err.key)
        assert err.key.startswith(("cutover:", "profiles/", "aws:")), err.key
        if unknown and _fixed_keys(path[:-1]):
            assert err.key == f"cutover:overrides.{dotted}", str(err)
        return
    # Accepted: then it was not an unknown key of a fixed-key mapping, nor a value of the wrong type.
    assert not (unknown and _fixed_keys(path[:-1])), f"unknown key {dotted} was accepted silently"
    declared = _declared_type(path)
    if not unknown and mutation in ("list", "mapping") and declared in ("string", "integer", "number", "boolean"):
        raise AssertionError(f"{dotted}: a {mutation} was accepted for a {declared}")
