"""RDS facts the alarms need: max_connections per instance class.

PostgreSQL's default ``max_connections`` is ``LEAST({DBInstanceClassMemory/9531392}, 5000)``;
DBInstanceClassMemory is the class memory less what RDS reserves (about 10% on small classes, so
the figure below is the AWS-documented memory times 0.9). The alarms express "connections above
80%" against this number.
"""

from __future__ import annotations

GIB = 1024**3
# Memory in GiB (AWS instance class pages).
CLASS_MEMORY_GIB: dict[str, float] = {
    "db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8, "db.t3.xlarge": 16,
    "db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8, "db.t4g.xlarge": 16,
    "db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m7g.large": 8, "db.m7g.xlarge": 16,
    "db.r6g.large": 16, "db.r6g.xlarge": 32, "db.r7g.large": 16, "db.r7g.xlarge": 32,
}


def postgres_max_connections(instance_class: str) -> int:
    try:
        memory = CLASS_MEMORY_GIB[instance_class] * GIB * 0.9
    except KeyError:
        raise ValueError(f"unknown RDS instance class {instance_class!r}; known: "
                         f"{', '.join(sorted(CLASS_MEMORY_GIB))}") from None
    return int(min(memory // 9531392, 5000))


def mysql_max_connections(instance_class: str) -> int:
    """RDS for MySQL's default ``max_connections`` is ``{DBInstanceClassMemory/12582880}`` (RDS user guide,
    "Maximum MySQL connections"), with DBInstanceClassMemory estimated as for PostgreSQL above."""
    try:
        memory = CLASS_MEMORY_GIB[instance_class] * GIB * 0.9
    except KeyError:
        raise ValueError(f"unknown RDS instance class {instance_class!r}; known: "
                         f"{', '.join(sorted(CLASS_MEMORY_GIB))}") from None
    return int(memory // 12582880)


def max_connections(engine: str, instance_class: str) -> int:
    """The default max_connections of an RDS DB instance of ``engine`` (postgres | mysql)."""
    return mysql_max_connections(instance_class) if engine == "mysql" else postgres_max_connections(instance_class)
