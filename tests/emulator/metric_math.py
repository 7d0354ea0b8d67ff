"""A small CloudWatch metric-math evaluator: what the product's alarms and usage queries use, nothing more.

Values are scalars (float), time series (dict timestamp -> value) or arrays of series (list). Semantics follow the
CloudWatch documentation: arithmetic between two series keeps the timestamps present in both; SUM/AVG/MIN/MAX over an
array combine per timestamp; over a single series they reduce it to a scalar; PERIOD(x) is x's period in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from protocols import AwsError

Series = dict[float, float]

TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/^(),\[\]]))"
)


def tokenize(expression: str) -> list[tuple[str, str]]:
    tokens = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise AwsError("ValidationError", f"Unsupported metric math near '{text[position:]}' in '{expression}'")
        position = match.end()
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
    return tokens


class Evaluator:
    """Evaluates one expression.

    `resolve(id)` yields a referenced query's series, `period_of(id)` its period, `grid(period)` every bucket start of
    the requested window (for FILL), and `default_period` the period FILL uses.
    """

    def __init__(
        self,
        expression: str,
        resolve: Callable[[str], Series],
        period_of: Callable[[str], int],
        grid: Callable[[int], list[float]],
        default_period: int,
    ):
        self.expression = expression
        self.tokens = tokenize(expression)
        self.position = 0
        self.resolve = resolve
        self.period_of = period_of
        self.grid = grid
        self.default_period = default_period

    def evaluate(self) -> Any:
        value = self._sum()
        if self.position != len(self.tokens):
            raise self._error("unexpected trailing input")
        return value

    def _error(self, why: str) -> AwsError:
        return AwsError("ValidationError", f"Invalid metric math expression '{self.expression}': {why}")

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (expected is not None and token[1] != expected):
            raise self._error(f"expected '{expected}'" if expected else "unexpected end")
        self.position += 1
        return token

    def _sum(self) -> Any:
        value = self._product()
        while (token := self._peek()) and token[1] in "+-" and token[0] == "op":
            self._take()
            value = combine(value, self._product(), token[1])
        return value

    def _product(self) -> Any:
        value = self._unary()
        while (token := self._peek()) and token[1] in "*/" and token[0] == "op":
            self._take()
            value = combine(value, self._unary(), token[1])
        return value

    def _unary(self) -> Any:
        token = self._peek()
        if token == ("op", "-"):
            self._take()
            return combine(-1.0, self._power(), "*")
        return self._power()

    def _power(self) -> Any:
        value = self._atom()
        if self._peek() == ("op", "^"):
            self._take()
            value = combine(value, self._unary(), "^")
        return value

    def _atom(self) -> Any:
        kind, text = self._take()
        if kind == "number":
            return float(text)
        if kind == "op" and text == "(":
            value = self._sum()
            self._take(")")
            return value
        if kind == "op" and text == "[":
            items = [self._sum()]
            while self._peek() == ("op", ","):
                self._take()
                items.append(self._sum())
            self._take("]")
            return items
        if kind == "name":
            if self._peek() == ("op", "("):
                return self._call(text)
            return self.resolve(text)
        raise self._error(f"unexpected '{text}'")

    def _call(self, name: str) -> Any:
        self._take("(")
        if name.upper() == "PERIOD":
            _, ident = self._take()
            self._take(")")
            return float(self.period_of(ident))
        args = [self._sum()]
        while self._peek() == ("op", ","):
            self._take()
            args.append(self._sum())
        self._take(")")
        function = FUNCTIONS.get(name.upper())
        if function is None:
            raise self._error(f"function {name} is not supported by the emulator")
        return function(self, args)


def combine(left: Any, right: Any, op: str) -> Any:
    if isinstance(left, list) or isinstance(right, list):
        if isinstance(left, list) and isinstance(right, list):
            raise AwsError("ValidationError", "Arithmetic between two arrays of time series is not supported")
        if isinstance(left, list):
            return [combine(item, right, op) for item in left]
        return [combine(left, item, op) for item in right]
    if isinstance(left, dict) and isinstance(right, dict):
        out = {}
        for ts in left.keys() & right.keys():
            value = apply(left[ts], right[ts], op)
            if value is not None:
                out[ts] = value
        return out
    if isinstance(left, dict):
        return {ts: v for ts, value in left.items() if (v := apply(value, right, op)) is not None}
    if isinstance(right, dict):
        return {ts: v for ts, value in right.items() if (v := apply(left, value, op)) is not None}
    result = apply(left, right, op)
    if result is None:
        raise AwsError("ValidationError", "Division by zero in metric math")
    return result


def apply(a: float, b: float, op: str) -> float | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return None if b == 0 else a / b
    return a**b


def _reduce(values: list[float], how: str) -> float:
    if how == "SUM":
        return sum(values)
    if how == "AVG":
        return sum(values) / len(values)
    if how == "MIN":
        return min(values)
    return max(values)


def _aggregate(how: str) -> Callable[[Evaluator, list[Any]], Any]:
    def run(evaluator: Evaluator, args: list[Any]) -> Any:
        if len(args) != 1:
            raise evaluator._error(f"{how} takes one argument")
        (arg,) = args
        if isinstance(arg, list):
            if not all(isinstance(series, dict) for series in arg):
                raise evaluator._error(f"{how} of an array needs time series")
            if how == "SUM":
                total: dict[float, float] = {}
                for series in arg:
                    for ts, value in series.items():
                        total[ts] = total.get(ts, 0.0) + value
                return total
            out: dict[float, list[float]] = {}
            for series in arg:
                for ts, value in series.items():
                    out.setdefault(ts, []).append(value)
            return {ts: _reduce(values, how) for ts, values in out.items()}
        if isinstance(arg, dict):
            if not arg:
                raise evaluator._error(f"{how} of an empty time series")
            return _reduce(list(arg.values()), how)
        return arg

    return run


def _fill(evaluator: Evaluator, args: list[Any]) -> Any:
    if len(args) != 2 or not isinstance(args[0], dict) or isinstance(args[1], (dict, list)):
        raise evaluator._error("FILL takes a time series and a number")
    series, value = args
    filled = {ts: value for ts in evaluator.grid(evaluator.default_period)}
    filled.update(series)
    return filled


def _abs(evaluator: Evaluator, args: list[Any]) -> Any:
    (arg,) = args
    if isinstance(arg, dict):
        return {ts: abs(v) for ts, v in arg.items()}
    if isinstance(arg, list):
        return [{ts: abs(v) for ts, v in s.items()} for s in arg]
    return abs(arg)


FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "SUM": _aggregate("SUM"),
    "AVG": _aggregate("AVG"),
    "MIN": _aggregate("MIN"),
    "MAX": _aggregate("MAX"),
    "FILL": _fill,
    "ABS": _abs,
}
