"""``to_plain`` copies a policy's (proxied) view of properties into plain data, unknowns as None.

The analyzer hands a policy ``pulumi_policy.proxy.unknown_checking_proxy`` trees: reading an unknown
value through them raises ``UnknownValueError`` (that library's rule); ``to_plain`` must give the value
everywhere else and None exactly where a reader would hit that error, at any depth.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.proxy import (
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from cutover_guard._util import to_plain

PROPS: dict[str, Any] = {
    "name": "orders",
    "arn": UNKNOWN_STRING_VALUE,
    "tags": {"team": "pos", "owner": UNKNOWN_STRING_VALUE},
    "rules": [{"port": 443, "cidr": UNKNOWN_STRING_VALUE}, UNKNOWN_OBJECT_VALUE, [1, UNKNOWN_NUMBER_VALUE]],
    "empty": {},
}


def _read_key_by_key(value: Any) -> Any:
    """What a policy reading every element sees: the value, or None where the proxy raises."""
    if hasattr(value, "keys"):
        out = {}
        for key in value:
            try:
                out[key] = _read_key_by_key(value[key])
            except UnknownValueError:
                out[key] = None
        return out
    if isinstance(value, str) or not hasattr(value, "__len__"):
        return value
    items = []
    for i in range(len(value)):
        try:
            items.append(_read_key_by_key(value[i]))
        except UnknownValueError:
            items.append(None)
    return items


def test_unknowns_become_none_at_every_depth_and_known_values_stay() -> None:
    proxied = unknown_checking_proxy(PROPS)
    with pytest.raises(UnknownValueError):
        proxied["arn"]  # the library's rule the copy must follow
    assert to_plain(proxied) == _read_key_by_key(unknown_checking_proxy(PROPS)) == {
        "name": "orders", "arn": None, "tags": {"team": "pos", "owner": None},
        "rules": [{"port": 443, "cidr": None}, None, [1, None]], "empty": {}}


def test_plain_data_and_scalars_copy_as_they_are() -> None:
    assert to_plain({"a": [1, {"b": "c"}]}) == {"a": [1, {"b": "c"}]}
    assert to_plain(UNKNOWN_STRING_VALUE) is None
    assert to_plain("text") == "text" and to_plain(None) is None
