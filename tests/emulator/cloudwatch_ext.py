"""CloudWatch on top of moto: what moto lacks or gets wrong for this product.

- GetMetricData is answered here from an index of moto's datapoints (moto scans every datapoint per query, ignores the
  namespace when dimensions are given, starts buckets at StartTime and evaluates no metric math).
- PutMetricData is parsed here and stored through moto's backend: moto's generic request parsing costs ~50 ms per
  1000 datums, which makes seeding a 14-day, 1-minute history take minutes.
- DescribeAlarms is answered here (moto ignores AlarmTypes and has no paging).
- PutCompositeAlarm (missing in moto) stores an alarm with a rule through moto's backend, which already models one.
- PutMetricAlarm keeps the state of an existing alarm (moto resets it); a new alarm starts in INSUFFICIENT_DATA.
- A state change (SetAlarmState, or a composite re-evaluated after a child's change) publishes the standard alarm
  JSON to the alarm's SNS actions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
import threading
from typing import Any

from moto.cloudwatch import models as cw_models
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.core.utils import utcnow
from moto.sns.models import sns_backends

from metric_math import Evaluator
from protocols import ACCOUNT_ID, AwsError, AwsRequest, Response, decode_params, iso_millis, json_response, to_epoch

OWN_OPERATIONS = {"GetMetricData", "DescribeAlarms", "PutCompositeAlarm", "PutMetricData"}

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-south-1": "Asia Pacific (Mumbai)",
}

STATISTIC_NAMES = {
    "Sum": "SUM",
    "Average": "AVERAGE",
    "Maximum": "MAXIMUM",
    "Minimum": "MINIMUM",
    "SampleCount": "SAMPLE_COUNT",
}

ID_PATTERN = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def backend(region: str) -> CloudWatchBackend:
    return cloudwatch_backends[ACCOUNT_ID][region]


# ---------------------------------------------------------------------------------------------------------------
# Alarm behaviour patches

_original_put_metric_alarm = CloudWatchBackend.put_metric_alarm
_original_set_alarm_state = CloudWatchBackend.set_alarm_state


def _put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> cw_models.Alarm:
    previous = self.alarms.get(kwargs.get("name") or args[0])
    alarm = _original_put_metric_alarm(self, *args, **kwargs)
    if previous is not None:
        for attribute in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(alarm, attribute, getattr(previous, attribute))
        alarm.state_transitioned_timestamp = getattr(
            previous, "state_transitioned_timestamp", previous.state_updated_timestamp
        )
    else:
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason = "Unchecked: Initial alarm creation"
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
    if alarm.rule is not None:
        _evaluate_composites(self)
    return alarm


def _set_alarm_state(self: CloudWatchBackend, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
    previous = self.alarms.get(alarm_name)
    old_state = previous.state_value if previous is not None else None
    _original_set_alarm_state(self, alarm_name, reason, reason_data, state_value)
    if old_state != state_value:
        alarm = self.alarms[alarm_name]
        alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
        _publish_actions(self, alarm, old_state or "INSUFFICIENT_DATA")
        _evaluate_composites(self)


def install() -> None:
    CloudWatchBackend.put_metric_alarm = _put_metric_alarm
    CloudWatchBackend.set_alarm_state = _set_alarm_state


# ---------------------------------------------------------------------------------------------------------------
# Composite alarms

RULE_TOKEN = re.compile(
    r"\s*(?:(?P<fn>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:\"(?P<q>[^\"]+)\"|(?P<u>[^()\s]+))\s*\)"
    r"|(?P<word>AND|OR|NOT|TRUE|FALSE)\b|(?P<paren>[()]))"
)


def _rule_value(rule: str, alarms: dict[str, cw_models.Alarm]) -> bool:
    """Evaluate an AlarmRule with AND/OR/NOT, parentheses, TRUE/FALSE and ALARM()/OK()/INSUFFICIENT_DATA()."""
    parts = []
    position = 0
    while position < len(rule.strip()):
        match = RULE_TOKEN.match(rule, position)
        if not match:
            raise AwsError("ValidationError", f"Unsupported AlarmRule near '{rule[position:]}'")
        position = match.end()
        if match.group("fn"):
            child = alarms.get(match.group("q") or match.group("u"))
            parts.append(str(child is not None and child.state_value == match.group("fn")))
        elif match.group("word"):
            word = match.group("word")
            parts.append({"TRUE": "True", "FALSE": "False"}.get(word, word.lower()))
        else:
            parts.append(match.group("paren"))
    # Only True/False/and/or/not and parentheses are left, so eval cannot reach anything else.
    return bool(eval(" ".join(parts), {"__builtins__": {}}, {}))  # noqa: S307


def _evaluate_composites(cw: CloudWatchBackend, depth: int = 0) -> None:
    if depth > 5:
        return
    changed = False
    for alarm in list(cw.alarms.values()):
        if alarm.rule is None:
            continue
        try:
            new_state = "ALARM" if _rule_value(alarm.rule, cw.alarms) else "OK"
        except AwsError:
            continue
        if new_state != alarm.state_value:
            old_state = alarm.state_value
            alarm.update_state(f"Alarm rule evaluated to {new_state}", "{}", new_state)
            alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
            _publish_actions(cw, alarm, old_state)
            changed = True
    if changed:
        _evaluate_composites(cw, depth + 1)


# ---------------------------------------------------------------------------------------------------------------
# Alarm actions: the message CloudWatch publishes to SNS


def _stamp(value: Any) -> str:
    return iso_millis(to_epoch(value), suffix="+0000")


def _dimensions_lower(dimensions: list[Any]) -> list[dict[str, str]]:
    return [{"value": d.value, "name": d.name} for d in dimensions]


def _trigger(alarm: cw_models.Alarm) -> dict[str, Any]:
    common = {
        "EvaluationPeriods": _int_or_none(alarm.evaluation_periods),
        "DatapointsToAlarm": _int_or_none(alarm.datapoints_to_alarm),
        "ComparisonOperator": alarm.comparison_operator,
        "Threshold": _float_or_none(alarm.threshold),
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    }
    if alarm.metric_data_queries:
        metrics = []
        period = None
        for query in alarm.metric_data_queries:
            entry: dict[str, Any] = {"Id": query.id, "ReturnData": _bool(query.return_data, default=True)}
            if query.label:
                entry["Label"] = query.label
            if query.expression:
                entry["Expression"] = query.expression
            if query.metric_stat is not None:
                stat = query.metric_stat
                entry["MetricStat"] = {
                    "Metric": {
                        "Dimensions": _dimensions_lower(stat.metric.dimensions),
                        "MetricName": stat.metric.metric_name,
                        "Namespace": stat.metric.namespace,
                    },
                    "Period": _int_or_none(stat.period),
                    "Stat": stat.stat,
                }
                if stat.unit:
                    entry["MetricStat"]["Unit"] = stat.unit
                period = period or _int_or_none(stat.period)
            metrics.append(entry)
        return {"Period": period, **common, "Metrics": metrics}
    extended = alarm.extended_statistic
    return {
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "StatisticType": "ExtendedStatistic" if extended else "Statistic",
        "Statistic": extended if extended else STATISTIC_NAMES.get(alarm.statistic, str(alarm.statistic).upper()),
        "Unit": alarm.unit,
        "Dimensions": _dimensions_lower(alarm.dimensions),
        "Period": _int_or_none(alarm.period),
        **common,
    }


def alarm_message(cw: CloudWatchBackend, alarm: cw_models.Alarm, old_state: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": cw.account_id,
        "AlarmConfigurationUpdatedTimestamp": _stamp(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _stamp(alarm.state_updated_timestamp),
        "Region": REGION_NAMES.get(cw.region_name, cw.region_name),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
    }
    if alarm.rule is not None:
        message["AlarmRule"] = alarm.rule
        message["TriggeringChildren"] = [
            {
                "Arn": child.alarm_arn,
                "State": {"Value": child.state_value, "Timestamp": _stamp(child.state_updated_timestamp)},
            }
            for name, child in cw.alarms.items()
            if child.rule is None and re.search(r"\(\s*\"?" + re.escape(name) + r"\"?\s*\)", alarm.rule)
        ]
    else:
        message["Trigger"] = _trigger(alarm)
    return message


def _publish_actions(cw: CloudWatchBackend, alarm: cw_models.Alarm, old_state: str) -> None:
    if not alarm.actions_enabled:
        return
    actions = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }.get(alarm.state_value, [])
    topics = [arn for arn in actions if arn.startswith("arn:aws:sns:")]
    if not topics:
        return
    body = json.dumps(alarm_message(cw, alarm, old_state))
    region_name = REGION_NAMES.get(cw.region_name, cw.region_name)
    subject = f'{alarm.state_value}: "{alarm.name}" in {region_name}'[:100]
    for arn in topics:
        parts = arn.split(":")
        try:
            sns_backends[parts[4]][parts[3]].publish(message=body, arn=arn, subject=subject)
        except Exception as error:  # noqa: BLE001 - a failed action is recorded, never fatal, as in CloudWatch
            alarm.history.append(("Action", f"Failed to publish to {arn}: {error}", "{}", alarm.state_value, utcnow()))


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(float(value))


def _float_or_none(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


# ---------------------------------------------------------------------------------------------------------------
# DescribeAlarms


def _alarm_description(alarm: cw_models.Alarm) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "ActionsEnabled": _bool(alarm.actions_enabled, default=True),
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": getattr(alarm, "state_transitioned_timestamp", alarm.state_updated_timestamp),
    }
    if alarm.rule is not None:
        out["AlarmRule"] = alarm.rule
        return out
    out.update(
        {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "Statistic": alarm.statistic,
            "ExtendedStatistic": alarm.extended_statistic,
            "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
            "Period": _int_or_none(alarm.period),
            "Unit": alarm.unit,
            "EvaluationPeriods": _int_or_none(alarm.evaluation_periods),
            "DatapointsToAlarm": _int_or_none(alarm.datapoints_to_alarm),
            "Threshold": _float_or_none(alarm.threshold),
            "ComparisonOperator": alarm.comparison_operator,
            "TreatMissingData": alarm.treat_missing_data,
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
            "ThresholdMetricId": alarm.threshold_metric_id,
        }
    )
    if alarm.metric_data_queries:
        metrics = []
        for query in alarm.metric_data_queries:
            entry: dict[str, Any] = {
                "Id": query.id,
                "Label": query.label,
                "ReturnData": _bool(query.return_data, default=True),
                "Expression": query.expression,
                "Period": _int_or_none(query.period),
            }
            if query.metric_stat is not None:
                stat = query.metric_stat
                entry["MetricStat"] = {
                    "Metric": {
                        "Namespace": stat.metric.namespace,
                        "MetricName": stat.metric.metric_name,
                        "Dimensions": [{"Name": d.name, "Value": d.value} for d in stat.metric.dimensions],
                    },
                    "Period": _int_or_none(stat.period),
                    "Stat": stat.stat,
                    "Unit": stat.unit,
                }
            metrics.append(entry)
        out["Metrics"] = metrics
    return out


def describe_alarms(cw: CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    types = params.get("AlarmTypes") or ["MetricAlarm"]
    names = params.get("AlarmNames") or []
    prefix = params.get("AlarmNamePrefix")
    state = params.get("StateValue")
    action_prefix = params.get("ActionPrefix")
    if names and prefix:
        raise AwsError("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be used together")
    selected = []
    for alarm in sorted(cw.alarms.values(), key=lambda a: a.name):
        kind = "CompositeAlarm" if alarm.rule is not None else "MetricAlarm"
        if kind not in types:
            continue
        if names and alarm.name not in names:
            continue
        if prefix and not alarm.name.startswith(prefix):
            continue
        if state and alarm.state_value != state:
            continue
        if action_prefix and not any(a.startswith(action_prefix) for a in alarm.alarm_actions):
            continue
        selected.append(alarm)
    page_size = int(params.get("MaxRecords") or 50)
    if not 1 <= page_size <= 100:
        raise AwsError("ValidationError", "MaxRecords must be between 1 and 100")
    offset = _offset(params.get("NextToken"), "InvalidNextToken")
    page = selected[offset : offset + page_size]
    result: dict[str, Any] = {
        "MetricAlarms": [_alarm_description(a) for a in page if a.rule is None],
        "CompositeAlarms": [_alarm_description(a) for a in page if a.rule is not None],
    }
    if offset + page_size < len(selected):
        result["NextToken"] = f"alarms-{offset + page_size}"
    return result


def _offset(token: str | None, error_code: str) -> int:
    if not token:
        return 0
    try:
        return int(token.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        raise AwsError(error_code, "The NextToken is invalid") from None


# ---------------------------------------------------------------------------------------------------------------
# GetMetricData over an index of moto's datapoints


class _Points:
    """One metric's datapoints (one namespace, name and exact dimension set), sorted lazily by time.

    Values are floats, or (sum, min, max, count) tuples for StatisticValues datums.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.units: list[Any] = []
        self.values: list[Any] = []
        self.dirty = False
        # Benchmarks repeat the same read; its answer stays valid until a datapoint arrives.
        self.answers: dict[tuple[Any, ...], dict[float, float]] = {}

    def add(self, when: float, unit: Any, value: Any) -> None:
        self.times.append(when)
        self.units.append(unit)
        self.values.append(value)
        self.dirty = True
        self.answers.clear()

    def window(self, start: float, end: float, unit: Any) -> tuple[list[float], list[Any]]:
        if self.dirty:
            order = sorted(range(len(self.times)), key=self.times.__getitem__)
            self.times = [self.times[i] for i in order]
            self.units = [self.units[i] for i in order]
            self.values = [self.values[i] for i in order]
            self.dirty = False
        low = bisect.bisect_left(self.times, start)
        high = bisect.bisect_left(self.times, end)
        times, values = self.times[low:high], self.values[low:high]
        if unit:
            keep = [i for i, u in enumerate(self.units[low:high]) if u == unit]
            times, values = [times[i] for i in keep], [values[i] for i in keep]
        return times, values


class MetricIndex:
    """Indexes moto's metric_data list incrementally; a reset (a new list) rebuilds it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.source: list[Any] | None = None
        self.seen = 0
        self.metrics: dict[tuple[str, str, tuple[tuple[str, str], ...]], _Points] = {}

    def points(self, cw: CloudWatchBackend, namespace: str, name: str, dimensions: list[dict[str, str]]) -> _Points:
        """The caller holds `lock` while it uses the answer (request threads run concurrently)."""
        key = (namespace, name, tuple(sorted((d["Name"], d["Value"]) for d in dimensions)))
        data = cw.metric_data
        if data is not self.source:
            self.source, self.seen, self.metrics = data, 0, {}
        for datum in data[self.seen :]:
            datum_key = (
                datum.namespace,
                datum.name,
                tuple(sorted((d.name, d.value) for d in datum.dimensions)),
            )
            if isinstance(datum, cw_models.MetricAggregatedDatum):
                value: Any = (datum.sum, datum.min, datum.max, datum.sample_count)
            else:
                value = float(datum.value)
            self.metrics.setdefault(datum_key, _Points()).add(to_epoch(datum.timestamp), datum.unit, value)
        self.seen = len(data)
        return self.metrics.get(key) or _Points()


INDEX = MetricIndex()


def _bucket_statistics(stat: str, times: list[float], values: list[Any], period: int) -> dict[float, float]:
    """Per bucket start, the statistic over the (time-sorted) points; percentiles use the raw values only."""
    percentile = re.fullmatch(r"p(\d+(?:\.\d+)?)", stat)
    if percentile is None and stat not in ("Sum", "SampleCount", "Average", "Maximum", "Minimum"):
        raise AwsError("ValidationError", f"The statistic {stat} is not supported by the emulator")
    # Points are sorted, so each bucket is one contiguous run: close it when a point crosses its end.
    out: dict[float, float] = {}
    bucket = end = -math.inf
    total = count = 0.0
    low = high = 0.0
    raw: list[float] = []
    rank_of = float(percentile.group(1)) / 100 if percentile else 0.0

    def close() -> None:
        if percentile:
            if raw:
                raw.sort()
                out[bucket] = raw[min(len(raw), max(1, math.ceil(rank_of * len(raw)))) - 1]
        elif count > 0:
            out[bucket] = {
                "Sum": total,
                "SampleCount": count,
                "Average": total / count if count else 0.0,
                "Minimum": low,
                "Maximum": high,
            }[stat]

    for when, value in zip(times, values):
        if when >= end:
            if end != -math.inf:
                close()
            bucket = when - when % period
            end = bucket + period
            total = count = 0.0
            low, high = math.inf, -math.inf
            raw = []
        if value.__class__ is float:
            total += value
            count += 1.0
            if value < low:
                low = value
            if value > high:
                high = value
            if percentile:
                raw.append(value)
        else:
            total += value[0]
            low = min(low, value[1])
            high = max(high, value[2])
            count += value[3]
    if end != -math.inf:
        close()
    return out


def get_metric_data(cw: CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    start = to_epoch(params["StartTime"])
    end = to_epoch(params["EndTime"])
    if end <= start:
        raise AwsError("ValidationError", "The parameter EndTime must be greater than StartTime.")
    queries = params.get("MetricDataQueries") or []
    if not 1 <= len(queries) <= 500:
        raise AwsError("ValidationError", "MetricDataQueries must hold between 1 and 500 queries")
    by_id: dict[str, dict[str, Any]] = {}
    for position, query in enumerate(queries, start=1):
        ident = query.get("Id", "")
        if not ID_PATTERN.match(ident):
            raise AwsError("ValidationError", f"Invalid Id '{ident}' in MetricDataQueries.member.{position}")
        if ident in by_id:
            raise AwsError("ValidationError", f"The value {ident} for field Id must be unique")
        if "MetricStat" not in query and "Expression" not in query:
            raise AwsError("ValidationError", f"The parameter MetricDataQueries.member.{position}.MetricStat is required.")
        by_id[ident] = query

    periods = [int(q["MetricStat"]["Period"]) for q in queries if "MetricStat" in q]
    default_period = min(periods) if periods else 60
    series: dict[str, Any] = {}
    in_progress: set[str] = set()

    def grid(period: int) -> list[float]:
        first = math.floor(start / period) * period
        return [float(t) for t in range(int(first), int(math.ceil(end)), period)]

    def period_of(ident: str) -> int:
        query = by_id.get(ident)
        if query is None:
            raise AwsError("ValidationError", f"Unknown id '{ident}' in PERIOD()")
        if "MetricStat" in query:
            return int(query["MetricStat"]["Period"])
        return default_period

    def resolve(ident: str) -> Any:
        if ident in series:
            return series[ident]
        query = by_id.get(ident)
        if query is None:
            raise AwsError("ValidationError", f"Metric math refers to unknown id '{ident}'")
        if ident in in_progress:
            raise AwsError("ValidationError", f"Metric math has a cycle through '{ident}'")
        in_progress.add(ident)
        if "MetricStat" in query:
            series[ident] = _metric_stat_series(cw, query["MetricStat"], start, end)
        else:
            evaluator = Evaluator(query["Expression"], resolve, period_of, grid, default_period)
            series[ident] = evaluator.evaluate()
        in_progress.discard(ident)
        return series[ident]

    descending = (params.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
    results = []
    for query in queries:
        if not _bool(query.get("ReturnData"), default=True):
            continue
        value = resolve(query["Id"])
        if not isinstance(value, dict):
            raise AwsError("ValidationError", f"Expression '{query.get('Expression')}' must return one time series")
        stamps = sorted(value, reverse=descending)
        label = query.get("Label") or (
            query["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in query else query["Id"]
        )
        results.append(
            {
                "Id": query["Id"],
                "Label": label,
                "Timestamps": stamps,
                "Values": [value[t] for t in stamps],
                "StatusCode": "Complete",
                "Messages": [],
            }
        )
    return {"MetricDataResults": results, "Messages": []}


def _metric_stat_series(cw: CloudWatchBackend, stat: dict[str, Any], start: float, end: float) -> dict[float, float]:
    metric = stat["Metric"]
    period = int(stat["Period"])
    if period <= 0:
        raise AwsError("ValidationError", "Period must be positive")
    aligned_start = math.floor(start / period) * period
    key = (aligned_start, end, stat.get("Unit"), stat["Stat"], period)
    with INDEX.lock:
        points = INDEX.points(cw, metric["Namespace"], metric["MetricName"], metric.get("Dimensions") or [])
        if key not in points.answers:
            times, values = points.window(aligned_start, end, stat.get("Unit"))
            points.answers[key] = _bucket_statistics(stat["Stat"], times, values, period)
        return dict(points.answers[key])


# ---------------------------------------------------------------------------------------------------------------
# Dispatch


def put_metric_data(cw: CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    namespace = params.get("Namespace")
    data = params.get("MetricData") or []
    if not namespace:
        raise AwsError("MissingParameter", "The parameter Namespace is required.")
    if len(data) > 1000:
        raise AwsError("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.")
    converted = []
    for datum in data:
        datum = dict(datum)
        if datum.get("Timestamp") is not None:
            # moto keeps naive UTC datetimes (its GetMetricStatistics compares against them).
            stamp = dt.datetime.fromtimestamp(to_epoch(datum["Timestamp"]), tz=dt.timezone.utc)
            datum["Timestamp"] = stamp.replace(tzinfo=None)
        converted.append(datum)
    try:
        cw.put_metric_data(namespace, converted)
    except ServiceException as error:
        raise AwsError(error.code, error.message) from None
    return {}


def put_composite_alarm(cw: CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    name = params.get("AlarmName")
    rule = params.get("AlarmRule")
    if not name or not rule:
        raise AwsError("ValidationError", "AlarmName and AlarmRule are required")
    _rule_value(rule, cw.alarms)
    cw.put_metric_alarm(
        name=name,
        namespace=None,
        metric_name=None,
        comparison_operator=None,
        evaluation_periods=None,
        period=None,
        threshold=None,
        statistic=None,
        description=params.get("AlarmDescription"),
        dimensions=[],
        alarm_actions=params.get("AlarmActions") or [],
        ok_actions=params.get("OKActions") or [],
        insufficient_data_actions=params.get("InsufficientDataActions") or [],
        actions_enabled=_bool(params.get("ActionsEnabled"), default=True),
        rule=rule,
        tags=params.get("Tags") or [],
    )
    return {}


def handle(request: AwsRequest, output_shape: Any) -> Response:
    params = decode_params(request)
    cw = backend(request.region)
    operations = {
        "GetMetricData": get_metric_data,
        "DescribeAlarms": describe_alarms,
        "PutCompositeAlarm": put_composite_alarm,
        "PutMetricData": put_metric_data,
    }
    return json_response(request, operations[request.operation](cw, params), output_shape)
