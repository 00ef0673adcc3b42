"""Fargate task sizes: the CPU/memory combinations AWS accepts (Linux tasks, platform 1.4.0).

Source: Amazon ECS Developer Guide, "Task CPU and memory" (task definition parameters). Memory is
in MiB, CPU in CPU units (1024 = 1 vCPU). Any other pair is rejected by RegisterTaskDefinition.
"""

from __future__ import annotations

GIB = 1024


def _steps(low_gib: int, high_gib: int, step_gib: int) -> tuple[int, ...]:
    return tuple(range(low_gib * GIB, high_gib * GIB + 1, step_gib * GIB))


# CPU units -> allowed memory values (MiB).
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1, 4, 1),
    1024: _steps(2, 8, 1),
    2048: _steps(4, 16, 1),
    4096: _steps(8, 30, 1),
    8192: _steps(16, 60, 4),
    16384: _steps(32, 120, 8),
}


def is_valid(cpu: int, memory: int) -> bool:
    return memory in FARGATE_SIZES.get(cpu, ())


def describe(cpu: int) -> str:
    """Human-readable allowed memory for ``cpu`` (or the allowed CPU values)."""
    if cpu not in FARGATE_SIZES:
        return "cpu " + " | ".join(map(str, FARGATE_SIZES))
    mem = FARGATE_SIZES[cpu]
    if len(mem) <= 3:
        return f"memory {' | '.join(map(str, mem))} with cpu {cpu}"
    step = mem[1] - mem[0]
    return f"memory {mem[0]}..{mem[-1]} in steps of {step} with cpu {cpu}"


def check(cpu: int, memory: int) -> None:
    """Raise ``ValueError`` naming the allowed values unless (cpu, memory) is a Fargate size."""
    if cpu not in FARGATE_SIZES:
        raise ValueError(f"{cpu} is not a Fargate CPU value (allowed: {describe(cpu)})")
    if not is_valid(cpu, memory):
        raise ValueError(f"{memory} MiB is not a Fargate memory value for cpu {cpu} (allowed: {describe(cpu)})")
