"""What a service may do with each kind of store: the one list of ref kinds and their capabilities.

A service's ``uses: {<kind>:<name>: <capability>}`` is checked against this table when the profile is
parsed (cutover.config.serverless / container), and again against the built ``StoreRef``'s own
capabilities when the compute component grants it (components.refs). ``write`` includes ``read`` for the
stores where that has always been the behaviour; a queue has no read/write pair: a producer may ``send``,
a worker ``consume``s (receive, delete, change visibility), and nothing else gets receive or delete rights.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

READ, WRITE, SEND, CONSUME = "read", "write", "send", "consume"
CAPABILITIES = (READ, WRITE, SEND, CONSUME)

# Ref kind -> the capabilities a service may name for it (in the order the error lists them).
STORE_CAPABILITIES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "table": (READ, WRITE),
    "bucket": (READ, WRITE),
    "secret": (READ, WRITE),
    "database": (READ, WRITE),
    "cache": (READ, WRITE),
    "websocket": (READ, WRITE),
    "email": (READ, WRITE),
    "function": (READ, WRITE),
    "queue": (SEND, CONSUME),
})
REF_KINDS = tuple(STORE_CAPABILITIES)


def kind_capabilities(key: str) -> tuple[str, ...] | None:
    """The capabilities of ``<kind>:<name>``'s kind; None when it is not a store ref key."""
    kind, sep, name = key.partition(":")
    return STORE_CAPABILITIES.get(kind) if sep and name else None
