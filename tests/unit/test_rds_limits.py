from __future__ import annotations

import pytest

from cutover.rds_limits import CLASS_MEMORY_GIB, max_connections, mysql_max_connections, postgres_max_connections


@pytest.mark.parametrize(("cls", "expected"), [("db.t4g.small", 202), ("db.t3.medium", 405), ("db.t3.micro", 101)])
def test_postgres_max_connections_follows_the_rds_formula(cls: str, expected: int) -> None:
    assert postgres_max_connections(cls) == expected


def test_bigger_classes_allow_more_connections_up_to_5000() -> None:
    values = [postgres_max_connections(c) for c in sorted(CLASS_MEMORY_GIB, key=CLASS_MEMORY_GIB.__getitem__)]
    assert values == sorted(values) and max(values) <= 5000


def test_unknown_class_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"db\.t4g\.small"):
        postgres_max_connections("db.x9.huge")


# RDS for MySQL: max_connections = {DBInstanceClassMemory/12582880} (RDS user guide, "Maximum MySQL
# connections"), DBInstanceClassMemory taken as 90% of the class memory like the PostgreSQL figures above.
@pytest.mark.parametrize(("cls", "expected"), [("db.t4g.small", 153), ("db.t3.medium", 307), ("db.r6g.large", 1228)])
def test_mysql_max_connections_follows_the_rds_formula(cls: str, expected: int) -> None:
    assert mysql_max_connections(cls) == expected
    assert max_connections("mysql", cls) == expected
    assert max_connections("postgres", cls) == postgres_max_connections(cls) != expected
