"""EventBridge schedule expressions, and schedules that invoke functions with them.

Expressions follow EventBridge's rules (the "Schedule expressions for rules" page of the
EventBridge User Guide), always in UTC:

    rate(VALUE UNIT)   VALUE a positive whole number; UNIT minute | minutes | hour | hours |
                       day | days, singular exactly when VALUE is 1
    cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)

    field          values                     wildcards
    minutes        0-59                       , - * /
    hours          0-23                       , - * /
    day-of-month   1-31                       , - * ? / L W
    month          1-12 or JAN-DEC            , - * /
    day-of-week    1-7 or SUN-SAT (1 = SUN)   , - * ? L #
    year           1970-2199                  , - * /

One of day-of-month and day-of-week must be `?` (and only one). `L` is the last day of the
month (or, alone in day-of-week, of the week; `5L` the month's last Thursday), `15W` the
weekday nearest the 15th within its month, `3#2` the month's second Tuesday. An expression
EventBridge refuses raises ValidationException("Parameter ScheduleExpression is not valid."),
the PutRule error.

A rate schedule first fires one period after it is created, then every period; a cron
schedule fires at every minute it matches. Each firing invokes the function asynchronously
with the event EventBridge sends (lambdakit.events.scheduled_event), stamped with the
scheduled time.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..core.errors import ValidationException
from ..events.eventbridge import scheduled_event

INVALID = "Parameter ScheduleExpression is not valid."
MINUTE_MS = 60_000
YEAR_MIN, YEAR_MAX = 1970, 2199

_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_RATE_RE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON_RE = re.compile(r"cron\((.*)\)")
_UNIT_MS = {"minute": MINUTE_MS, "hour": 60 * MINUTE_MS, "day": 24 * 60 * MINUTE_MS}


def _invalid():
    return ValidationException(INVALID)


@dataclass(frozen=True)
class Rate:
    expression: str
    period_ms: int

    def next_after(self, after_ms, created_ms):
        """The first firing strictly after `after_ms`: created + k periods, k >= 1."""
        periods = max(1, int((after_ms - created_ms) // self.period_ms) + 1)
        return created_ms + periods * self.period_ms


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression. Day fields keep their special forms: `dom` and `dow` are
    frozensets of plain numbers, plus the rules in `dom_rules` / `dow_rules`."""
    expression: str
    minutes: frozenset
    hours: frozenset
    dom: frozenset | None        # None: '?'
    dom_rules: tuple             # ("L",) and/or ("W", day)
    months: frozenset
    dow: frozenset | None        # None: '?'
    dow_rules: tuple             # ("L", weekday) for nL, ("#", weekday, nth)
    years: frozenset

    def next_after(self, after_ms, created_ms=None):
        """The first matching minute strictly after `after_ms`, or None if there is none."""
        start = datetime.fromtimestamp(after_ms // MINUTE_MS * 60, tz=timezone.utc) + timedelta(minutes=1)
        year, month, day = start.year, start.month, start.day
        first_minute = (start.hour, start.minute)
        while year <= YEAR_MAX:
            if year not in self.years:
                year, month, day, first_minute = year + 1, 1, 1, (0, 0)
                continue
            if month not in self.months:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                day, first_minute = 1, (0, 0)
                continue
            if day <= calendar.monthrange(year, month)[1] and self._day_matches(year, month, day):
                found = self._time_on(first_minute)
                if found is not None:
                    moment = datetime(year, month, day, *found, tzinfo=timezone.utc)
                    return int(moment.timestamp()) * 1000
            day += 1
            first_minute = (0, 0)
            if day > calendar.monthrange(year, month)[1]:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                day = 1
        return None

    def _time_on(self, first):
        for hour in sorted(h for h in self.hours if h >= first[0]):
            for minute in sorted(self.minutes):
                if (hour, minute) >= first:
                    return hour, minute
        return None

    def _day_matches(self, year, month, day):
        last = calendar.monthrange(year, month)[1]
        weekday = (calendar.weekday(year, month, day) + 1) % 7 + 1  # Monday 0 -> 2; Sunday -> 1
        if self.dom is not None:
            if day in self.dom:
                return True
            for rule in self.dom_rules:
                if rule[0] == "L" and day == last:
                    return True
                if rule[0] == "W" and day == _nearest_weekday(year, month, rule[1]):
                    return True
            return False
        if weekday in self.dow:
            return True
        for rule in self.dow_rules:
            if rule[0] == "L" and weekday == rule[1] and day + 7 > last:
                return True
            if rule[0] == "#" and weekday == rule[1] and (day - 1) // 7 + 1 == rule[2]:
                return True
        return False


def _nearest_weekday(year, month, day):
    """The weekday (Mon-Fri) nearest `day`, never leaving the month (Quartz's `W`)."""
    last = calendar.monthrange(year, month)[1]
    if day > last:
        return None
    weekday = calendar.weekday(year, month, day)  # Monday 0
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def parse(expression):
    """A Rate or a Cron from an EventBridge schedule expression, or AWS's ValidationException."""
    if not isinstance(expression, str):
        raise _invalid()
    found = _RATE_RE.fullmatch(expression)
    if found:
        value, unit = int(found.group(1)), found.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise _invalid()
        return Rate(expression, value * _UNIT_MS[unit.rstrip("s")])
    found = _CRON_RE.fullmatch(expression)
    if not found:
        raise _invalid()
    fields = found.group(1).split(" ")
    if len(fields) != 6:
        raise _invalid()
    minutes, hours, dom, months, dow, years = fields
    if (dom == "?") == (dow == "?"):
        raise _invalid()  # exactly one of the day fields is '?'
    dom_values, dom_rules = (None, ()) if dom == "?" else _day_of_month(dom)
    dow_values, dow_rules = (None, ()) if dow == "?" else _day_of_week(dow)
    return Cron(expression, _field(minutes, 0, 59), _field(hours, 0, 23), dom_values, dom_rules,
                _field(months, 1, 12, _MONTHS), dow_values, dow_rules,
                _field(years, YEAR_MIN, YEAR_MAX))


def _number(text, low, high, names=None):
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise _invalid()
    value = int(text)
    if not low <= value <= high:
        raise _invalid()
    return value


def _field(text, low, high, names=None):
    """A list of `*`, `N`, `A-B`, each optionally `/STEP` (`N/STEP` runs from N to the top)."""
    values = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step:
            if not step.isdigit() or int(step) < 1:
                raise _invalid()
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, low, high, names), _number(b, low, high, names)
            if first > last:
                raise _invalid()
        else:
            first = _number(base, low, high, names)
            last = high if step else first
        values.update(range(first, last + 1, int(step) if step else 1))
    return frozenset(values)


def _day_of_month(text):
    rules, plain = [], []
    for part in text.split(","):
        if part == "L":
            rules.append(("L",))
        elif part.endswith("W") and part[:-1].isdigit():
            rules.append(("W", _number(part[:-1], 1, 31)))
        else:
            plain.append(part)
    values = _field(",".join(plain), 1, 31) if plain else frozenset()
    return values, tuple(rules)


def _day_of_week(text):
    rules, plain = [], []
    for part in text.split(","):
        if part == "L":
            plain.append("7")  # the last day of the week: Saturday
        elif part.endswith("L"):
            rules.append(("L", _number(part[:-1], 1, 7, _DAYS)))
        elif "#" in part:
            day, _, nth = part.partition("#")
            rules.append(("#", _number(day, 1, 7, _DAYS), _number(nth, 1, 5)))
        else:
            plain.append(part)
    values = _field(",".join(plain), 1, 7, _DAYS) if plain else frozenset()
    return values, tuple(rules)


@dataclass(frozen=True)
class Firing:
    """One time a schedule fired: when, and the asynchronous invocation it made."""
    at_ms: int
    request_id: str | None
    error: str | None = None


class Schedule:
    """A rule with a schedule expression whose target is a function (a Timers driver).

    Made by `Runtime.schedule(expression, function)`; `firings` lists what it did."""

    def __init__(self, runtime, expression, function, *, qualifier=None, rule=None):
        self.expression = parse(expression)
        runtime.get_function_configuration(function, qualifier)  # it must exist
        self.runtime, self.function, self.qualifier = runtime, function, qualifier
        self.rule = rule or f"{function}-schedule"
        self.created_ms = int(runtime.clock.now_ms())
        self.firings = []
        self.enabled = True
        self._next = self.expression.next_after(self.created_ms, self.created_ms)

    def __repr__(self):
        return (f"Schedule({self.expression.expression!r} -> {self.function}, "
                f"fired {len(self.firings)} times)")

    def due_ms(self):
        return self._next if self.enabled else None

    def step(self, at_ms):
        fire_ms = self._next
        self._next = self.expression.next_after(fire_ms, self.created_ms)
        event = scheduled_event(self.rule, now=fire_ms)
        try:
            result = self.runtime.invoke_at(self.function, event, fire_ms, qualifier=self.qualifier,
                                            invocation_type="Event")
        except Exception as error:  # a deleted or throttled function: the rule fires on
            self.firings.append(Firing(fire_ms, None, str(error)))
            return
        self.firings.append(Firing(fire_ms, result.request_id))

    def delete(self):
        """Stop firing (DeleteRule)."""
        self.enabled = False
        self.runtime.timers.remove(self)
