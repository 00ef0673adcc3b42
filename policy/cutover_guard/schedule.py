"""How often an EventBridge schedule expression fires in a 30-day month (the cost estimator's month).

Syntax as the EventBridge user guide documents it ("Schedule expressions for rules"):

* ``rate(value unit)``: a positive integer and ``minute(s)``, ``hour(s)`` or ``day(s)`` (singular for 1);
* ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: six fields; Minutes 0-59, Hours 0-23,
  Day-of-month 1-31 (with ``L`` and ``W``), Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT (with ``L`` and
  ``#``), Year 1970-2199; wildcards ``,`` ``-`` ``*`` ``/``; one of Day-of-month and Day-of-week must be ``?``.

Counting in a 30-day month: a day-of-month list counts its days among 1..30; a day-of-week list counts its days
times 30/7; ``L``, ``W`` and ``#`` forms fire once a month; the months field scales by months/12. Pure: no imports
beyond the standard library.
"""

from __future__ import annotations

import re
from typing import Final

DAYS: Final = 30
_RATE: Final = re.compile(r"^rate\((?P<value>[1-9][0-9]*) (?P<unit>minute|minutes|hour|hours|day|days)\)$")
_CRON: Final = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_MINUTES_PER: Final = {"minute": 1, "hour": 60, "day": 1440}
_MONTHS: Final = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_WEEKDAYS: Final = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}


class ScheduleError(ValueError):
    """Not a schedule expression EventBridge accepts."""


def firings_per_month(expression: str) -> float:
    """Invocations a month of a rule with this ``schedule_expression``."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group("value")), rate.group("unit")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(f"{expression}: EventBridge wants the singular unit for 1 and the plural above")
        return DAYS * 1440 / (value * _MINUTES_PER[unit.rstrip("s")])
    cron = _CRON.match(expression)
    if not cron:
        raise ScheduleError(f"{expression!r} is neither rate(value unit) nor cron(six fields)")
    fields = cron.group("fields").split()
    if len(fields) != 6:
        raise ScheduleError(f"{expression}: cron needs six fields (minutes hours day-of-month month day-of-week "
                            f"year), got {len(fields)}")
    minutes, hours, dom, month, dow, _year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(f"{expression}: exactly one of day-of-month and day-of-week must be ?")
    per_day = len(_values(minutes, 0, 59, {})) * len(_values(hours, 0, 23, {}))
    months = len(_values(month, 1, 12, _MONTHS)) / 12
    days = _days_of_month(dom) if dow == "?" else _days_of_week(dow)
    return per_day * days * months


def _days_of_month(field: str) -> float:
    if field in ("L", "LW") or re.fullmatch(r"[1-9][0-9]?W", field) or re.fullmatch(r"L-[0-9]{1,2}", field):
        return 1.0
    return float(len([d for d in _values(field, 1, 31, {}) if d <= DAYS]))


def _days_of_week(field: str) -> float:
    if re.fullmatch(r"([1-7]|[A-Z]{3})#[1-5]", field) or re.fullmatch(r"([1-7]|[A-Z]{3})?L", field):
        return 1.0
    return len(_values(field, 1, 7, _WEEKDAYS)) * DAYS / 7


def _number(token: str, names: dict[str, int]) -> int:
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise ScheduleError(f"{token!r} is not a number{' or a name' if names else ''}")
    return int(token)


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """The set a cron field selects: ``*``, ``a``, ``a-b``, ``a/n``, ``*/n``, ``a-b/n`` and lists of them."""
    out: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, {}) if step_text else 1
        if step < 1:
            raise ScheduleError(f"{part!r}: the increment must be at least 1")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{part!r} is outside {low}..{high}")
        if end < start:  # a wrapping range such as FRI-MON
            out.update(range(start, high + 1, step))
            out.update(range(low, end + 1, step))
        else:
            out.update(range(start, end + 1, step))
    return out
