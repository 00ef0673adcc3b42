from __future__ import annotations

import pytest

from cutover.rds_limits import CLASS_MEMORY_GIB, postgres_max_connections


@pytest.mark.parametrize(("cls", "expected"), [("db.t4g.small", 202), ("db.t3.medium", 405), ("db.t3.micro", 101)])
def test_postgres_max_connections_follows_the_rds_formula(cls: str, expected: int) -> None:
    assert postgres_max_connections(cls) == expected


def test_bigger_classes_allow_more_connections_up_to_5000() -> None:
    values = [postgres_max_connections(c) for c in sorted(CLASS_MEMORY_GIB, key=CLASS_MEMORY_GIB.__getitem__)]
    assert values == sorted(values) and max(values) <= 5000


def test_unknown_class_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"db\.t4g\.small"):
        postgres_max_connections("db.x9.huge")
