"""Who may write a copy's target while the colors share traffic (components/data_plan.py: color_refs).

The rule, from the data plan's contract (docs/runbooks/data-migration.md): one writer per copy. While blue is the
dataset's writer it writes its source and the replication alone fills green's copy, so no color's compute may
write the target; once green is the writer, green writes the target and blue only reads it.
"""

from __future__ import annotations

import pytest

from components.data_plan import color_refs
from components.refs import Access, StoreRef
from cutover.config.migrations import Color, DatasetConfig, Method, NetworkPath, SourceDatabase

SOURCE = SourceDatabase(engine="postgres", host="db.example.com", port=5432, database="app",
                        secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:app-AbCdEf",
                        network=NetworkPath.TLS)
TABLE = StoreRef("table:Orders", ["arn:aws:dynamodb:us-east-1:111111111111:table/orders"],
                 ("dynamodb:GetItem",), ("dynamodb:PutItem",))


def _refs(writer: Color, color: Color, method: Method = Method.DMS) -> dict[str, StoreRef]:
    d = DatasetConfig("orders", "table:Orders", method, writer, SOURCE)
    # front door alb: it routes writes by method, so green never writes through to blue's source here
    return color_refs({"table:Orders": TABLE}, (d,), color, None, "alb", 50)


@pytest.mark.parametrize("color", [Color.BLUE, Color.GREEN])
def test_while_blue_writes_no_color_writes_the_copy(color: Color) -> None:
    ref = _refs(Color.BLUE, color)["table:Orders"]
    assert not ref.grants_write(Access.WRITE)
    assert ref.actions(Access.WRITE) == ("dynamodb:GetItem",)


def test_once_green_writes_it_alone_writes_the_copy() -> None:
    assert _refs(Color.GREEN, Color.GREEN)["table:Orders"].grants_write(Access.WRITE)
    assert not _refs(Color.GREEN, Color.BLUE)["table:Orders"].grants_write(Access.WRITE)


def test_a_shared_dataset_is_not_a_copy() -> None:
    # shared: both colors use blue's database, nothing is copied, the grants are the refs' own
    assert _refs(Color.BLUE, Color.BLUE, Method.SHARED)["table:Orders"].grants_write(Access.WRITE)
