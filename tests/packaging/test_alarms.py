"""template.yaml's alarms and dashboard, read without deploying anything (fast).

Each alarm is checked against what it must watch: namespace, metric, dimensions, statistic, period,
threshold, comparison and how many periods make it fire. The metric-math alarms are also evaluated
on sample figures, so a rate written upside down (requests / errors) or a missing FILL fails here.
Every function must have an Errors and a Throttles alarm; every alarm notifies the optional
AlarmTopicArn, and the dashboard shows every alarm and every function.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from local.template import functions, load_template, table_definition
from tests.packaging.sam import REPO

TEMPLATE = load_template(REPO / "template.yaml")
FUNCTIONS = functions(TEMPLATE)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
ALARMS: dict[str, Mapping[str, Any]] = {
    name: resource["Properties"]
    for name, resource in RESOURCES.items()
    if resource.get("Type") == "AWS::CloudWatch::Alarm"
}
TOPIC_OR_NOTHING = {"Fn::If": ["AlarmTopicGiven", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
INDEXES = [index["IndexName"] for index in table_definition(TEMPLATE)["GlobalSecondaryIndexes"]]


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


@dataclass(frozen=True)
class Watched:
    """One metric an alarm reads, with the statistic and period it reads it with."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, Any], ...]
    statistic: str  # "Sum", or an extended statistic such as "p99"
    period: int


@dataclass(frozen=True)
class Rule:
    """When an alarm fires: ``metrics`` by id (one id, "", for a single-metric alarm), the math
    expression over them (None for a single metric), and threshold, comparison, M of N periods."""

    metrics: dict[str, Watched]
    expression: str | None
    threshold: float
    comparison: str
    datapoints: int
    periods: int


def lambda_metric(metric: str, function: str, statistic: str, period: int) -> Watched:
    return Watched("AWS/Lambda", metric, (("FunctionName", ref(function)),), statistic, period)


def table_metric(metric: str, index: str | None) -> Watched:
    dimensions: tuple[tuple[str, Any], ...] = (("TableName", ref("KeysTable")),)
    if index:
        dimensions += (("GlobalSecondaryIndexName", index),)
    return Watched("AWS/DynamoDB", metric, dimensions, "Sum", 300)


def api_metric(metric: str, api: str = "HttpApi") -> Watched:
    return Watched("AWS/ApiGateway", metric, (("ApiId", ref(api)),), "Sum", 300)


GE, GT = "GreaterThanOrEqualToThreshold", "GreaterThanThreshold"


def api_5xx_rate(api: str) -> Rule:
    """One HTTP API's 5xx answers as a percentage of its requests, >= 1 % in 2 periods in a row."""
    return Rule(
        {"server_errors": api_metric("5xx", api), "requests": api_metric("Count", api)},
        "100 * FILL(server_errors, 0) / requests",
        threshold=1,
        comparison=GE,
        datapoints=2,
        periods=2,
    )


def duration_p99(function: str) -> Rule:
    """A hot-path function's p99 duration over a minute above 250 ms in 3 of 5 minutes."""
    return Rule(
        {"": lambda_metric("Duration", function, "p99", 60)},
        None,
        threshold=250,
        comparison=GT,
        datapoints=3,
        periods=5,
    )


# The alarms that are not one-per-function, exactly as they must be.
NAMED_RULES: dict[str, Rule] = {
    # HTTP APIs publish `5xx` and `Count` (REST APIs' 5XXError does not exist here): the rate in %.
    "HttpApi5xxRateAlarm": api_5xx_rate("HttpApi"),
    "InternalApi5xxRateAlarm": api_5xx_rate("InternalApi"),
    # The authorizer raises when DynamoDB fails (it neither allows nor denies a key it could not
    # check), so its errors are a rate, not a count: this is its Errors alarm.
    "AuthorizerErrorRateAlarm": Rule(
        {
            "errors": lambda_metric("Errors", "AuthorizerFunction", "Sum", 300),
            "invocations": lambda_metric("Invocations", "AuthorizerFunction", "Sum", 300),
        },
        "100 * FILL(errors, 0) / invocations",
        threshold=1,
        comparison=GE,
        datapoints=2,
        periods=2,
    ),
    "VerifyDurationP99Alarm": duration_p99("VerifyFunction"),
    "AuthorizerDurationP99Alarm": duration_p99("AuthorizerFunction"),
    **{
        f"KeysTable{kind}ThrottleAlarm": Rule(
            {
                "keys_table": table_metric(f"{kind}ThrottleEvents", None),
                **{index: table_metric(f"{kind}ThrottleEvents", index) for index in INDEXES},
            },
            " + ".join(f"FILL({name}, 0)" for name in ("keys_table", *INDEXES)),
            threshold=1,
            comparison=GE,
            datapoints=1,
            periods=1,
        )
        for kind in ("Read", "Write")
    },
    # The audit publisher more than 5 minutes behind the stream, every minute for 5 minutes.
    "PublishAuditEventsIteratorAgeAlarm": Rule(
        {"": lambda_metric("IteratorAge", "PublishAuditEventsFunction", "Maximum", 60)},
        None,
        threshold=300_000,
        comparison=GT,
        datapoints=5,
        periods=5,
    ),
    # Audit events the stream could not publish after its retries: any message in the queue fires.
    "AuditEventsDeadLetterAlarm": Rule(
        {
            "": Watched(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                (("QueueName", {"Fn::GetAtt": ["AuditEventsDeadLetterQueue", "QueueName"]}),),
                "Maximum",
                300,
            )
        },
        None,
        threshold=1,
        comparison=GE,
        datapoints=1,
        periods=1,
    ),
}


def per_function_rule(metric: str, function: str) -> Rule:
    """Errors and Throttles of one function: one or more in a 5-minute period fires."""
    return Rule({"": lambda_metric(metric, function, "Sum", 300)}, None, 1, GE, 1, 1)


def _watched(stat: Mapping[str, Any]) -> Watched:
    metric = stat["Metric"]
    dimensions = tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions") or [])
    return Watched(metric["Namespace"], metric["MetricName"], dimensions, stat["Stat"], stat["Period"])


def rule_of(alarm: Mapping[str, Any]) -> Rule:
    """The alarm's definition, in the shape of `Rule`, read from the template as written."""
    datapoints = alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"])
    common = (alarm["Threshold"], alarm["ComparisonOperator"], datapoints, alarm["EvaluationPeriods"])
    if "Metrics" not in alarm:
        assert not ("Statistic" in alarm and "ExtendedStatistic" in alarm)
        statistic = alarm.get("Statistic") or alarm["ExtendedStatistic"]
        dimensions = tuple((d["Name"], d["Value"]) for d in alarm.get("Dimensions") or [])
        watched = Watched(alarm["Namespace"], alarm["MetricName"], dimensions, statistic, alarm["Period"])
        return Rule({"": watched}, None, *common)
    for single in ("Namespace", "MetricName", "Statistic", "ExtendedStatistic", "Period", "Dimensions"):
        assert single not in alarm, f"a metric-math alarm sets {single} outside Metrics"
    returned = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
    assert len(returned) == 1 and "Expression" in returned[0], "one returned expression"
    inputs = {m["Id"]: _watched(m["MetricStat"]) for m in alarm["Metrics"] if "MetricStat" in m}
    assert all(m.get("ReturnData") is False for m in alarm["Metrics"] if "MetricStat" in m)
    return Rule(inputs, returned[0]["Expression"], *common)


def expected_rules() -> dict[str, Rule]:
    """Every alarm the template must have: the named ones, then each function's Errors and
    Throttles (the authorizer's errors are AuthorizerErrorRateAlarm above)."""
    rules = dict(NAMED_RULES)
    for function in FUNCTIONS:
        stem = function.logical_id.removesuffix("Function")
        if function.logical_id != "AuthorizerFunction":
            rules[f"{stem}ErrorsAlarm"] = per_function_rule("Errors", function.logical_id)
        rules[f"{stem}ThrottlesAlarm"] = per_function_rule("Throttles", function.logical_id)
    return rules


# ------------------------------------------------------------------------------------ the alarms


def test_the_template_has_exactly_the_expected_alarms() -> None:
    expected = expected_rules()
    assert set(ALARMS) == set(expected), (
        f"missing: {sorted(set(expected) - set(ALARMS))}; unexpected: {sorted(set(ALARMS) - set(expected))}"
    )


@pytest.mark.parametrize("name", sorted(expected_rules()))
def test_alarm_watches_the_right_metric_with_the_right_threshold(name: str) -> None:
    assert name in ALARMS, f"{name} is not in template.yaml"
    assert rule_of(ALARMS[name]) == expected_rules()[name]


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.logical_id for f in FUNCTIONS])
def test_every_function_has_an_errors_and_a_throttles_alarm(function: Any) -> None:
    """Found by what the alarms watch, whatever they are called: a new function without its alarms
    fails here."""
    watched = {
        (w.metric, w.statistic)
        for alarm in ALARMS.values()
        for w in rule_of(alarm).metrics.values()
        if w.namespace == "AWS/Lambda" and w.dimensions == (("FunctionName", ref(function.logical_id)),)
    }
    assert ("Errors", "Sum") in watched, f"{function.logical_id} has no Errors alarm"
    assert ("Throttles", "Sum") in watched, f"{function.logical_id} has no Throttles alarm"


def test_latency_alarms_ignore_too_few_samples_and_every_alarm_treats_no_data_as_fine() -> None:
    for name, alarm in ALARMS.items():
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm.get("AlarmDescription"), f"{name} does not say what it means"
        if "ExtendedStatistic" in alarm:
            assert alarm["EvaluateLowSampleCountPercentile"] == "ignore", name


# --------------------------------------------------------------- the metric math, evaluated


def evaluate(expression: str, values: Mapping[str, float | None]) -> float | None:
    """CloudWatch metric math for one period, for the operators the alarms use: + - * /, numbers,
    metric ids, and FILL(id, value). A missing metric or a division by zero gives no datapoint."""

    def walk(node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise AssertionError(f"{expression} uses {node.id}, which the alarm does not define")
            return values[node.id]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "FILL":
            value, default = (walk(argument) for argument in node.args)
            return default if value is None else value
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return None if right == 0 else left / right
        raise AssertionError(f"{expression}: {ast.dump(node)} is not metric math this test knows")

    return walk(ast.parse(expression, mode="eval").body)


def breaches(name: str, values: Mapping[str, float | None]) -> bool:
    """Whether one period with these figures counts against the alarm (no datapoint never does:
    every alarm treats missing data as not breaching)."""
    rule = rule_of(ALARMS[name])
    assert rule.expression is not None
    assert set(values) == set(rule.metrics), f"{name} reads {sorted(rule.metrics)}"
    value = evaluate(rule.expression, values)
    if value is None:
        return False
    return value >= rule.threshold if rule.comparison == GE else value > rule.threshold


@pytest.mark.parametrize(
    ("errors", "requests", "fires"),
    [
        (3, 200, True),  # 1.5 %
        (2, 200, True),  # exactly 1 %
        (1, 200, False),  # 0.5 %
        (None, 200, False),  # no 5xx published in the period: 0 %
        (0, 0, False),  # no traffic: no datapoint
        (5, None, False),
    ],
)
@pytest.mark.parametrize("alarm", ["HttpApi5xxRateAlarm", "InternalApi5xxRateAlarm"])
def test_api_5xx_rate_is_a_percentage_of_requests(
    alarm: str, errors: int | None, requests: int | None, fires: bool
) -> None:
    assert breaches(alarm, {"server_errors": errors, "requests": requests}) is fires


@pytest.mark.parametrize(
    ("errors", "invocations", "fires"),
    [(1, 50, True), (1, 1000, False), (10, 1000, True), (None, 1000, False), (None, None, False)],
)
def test_authorizer_error_rate_is_a_percentage_of_invocations(
    errors: int | None, invocations: int | None, fires: bool
) -> None:
    assert breaches("AuthorizerErrorRateAlarm", {"errors": errors, "invocations": invocations}) is fires


@pytest.mark.parametrize("kind", ["Read", "Write"])
@pytest.mark.parametrize(
    ("table", "by_tenant", "by_owner", "by_audit_tenant", "fires"),
    [
        (None, None, None, None, False),
        (0, 0, 0, 0, False),
        (1, None, None, None, True),
        (None, 2, None, None, True),  # a throttled index counts as much as the table
        (None, None, 1, None, True),
        (None, None, None, 1, True),
    ],
)
def test_throttles_on_the_table_or_any_index_fire(
    kind: str,
    table: int | None,
    by_tenant: int | None,
    by_owner: int | None,
    by_audit_tenant: int | None,
    fires: bool,
) -> None:
    values = {
        "keys_table": table,
        "by_tenant": by_tenant,
        "by_owner": by_owner,
        "by_audit_tenant": by_audit_tenant,
    }
    assert breaches(f"KeysTable{kind}ThrottleAlarm", values) is fires


# ------------------------------------------------------------------------ where alarms go


def test_alarm_topic_is_optional() -> None:
    parameter = TEMPLATE["Parameters"]["AlarmTopicArn"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("")
    assert pattern.fullmatch("arn:aws:sns:us-east-1:123456789012:keysmith-pages")
    assert pattern.fullmatch("arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops.fifo")
    assert not pattern.fullmatch("arn:aws:sqs:us-east-1:123456789012:queue")
    assert not pattern.fullmatch("keysmith-pages")
    assert TEMPLATE["Conditions"]["AlarmTopicGiven"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_alarm_notifies_the_topic_when_it_fires_and_clears(name: str) -> None:
    alarm = ALARMS[name]
    assert alarm["AlarmActions"] == TOPIC_OR_NOTHING
    assert alarm["OKActions"] == TOPIC_OR_NOTHING
    assert "InsufficientDataActions" not in alarm
    assert alarm.get("ActionsEnabled", True) is True


# ------------------------------------------------------------------------------- the dashboard

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z]+))?\}")


def dashboard_body() -> dict[str, Any]:
    """The dashboard's JSON with each ${Resource} or ${Resource.Arn} replaced by a readable
    stand-in; every placeholder must name a resource of the template or a pseudo parameter."""
    (dashboard,) = [r for r in RESOURCES.values() if r.get("Type") == "AWS::CloudWatch::Dashboard"]
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert isinstance(text, str), "DashboardBody is one !Sub string"

    def stand_in(match: re.Match[str]) -> str:
        name, attribute = match.group(1), match.group(2)
        assert name.startswith("AWS::") or name in RESOURCES, f"the dashboard names no resource {name}"
        return f"<{name}.{attribute}>" if attribute else f"<{name}>"

    body: dict[str, Any] = json.loads(PLACEHOLDER.sub(stand_in, text))
    return body


def _widget_metrics(title_part: str) -> list[list[Any]]:
    widgets = [w for w in dashboard_body()["widgets"] if title_part in w["properties"].get("title", "")]
    assert len(widgets) == 1, f"one widget titled with {title_part!r}"
    metrics: list[list[Any]] = widgets[0]["properties"]["metrics"]
    return metrics


def test_the_dashboard_shows_every_alarm() -> None:
    (alarm_widget,) = [w for w in dashboard_body()["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(f"<{name}.Arn>" for name in ALARMS)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_the_dashboard_shows_every_function(metric: str) -> None:
    shown = {
        line[3]
        for line in _widget_metrics(f"Lambda {metric.lower()}")
        if line[:3] == ["AWS/Lambda", metric, "FunctionName"]
    }
    assert shown == {f"<{f.logical_id}>" for f in FUNCTIONS}


def test_the_dashboard_shows_the_alarmed_api_table_and_latency_metrics() -> None:
    api = {(*line[:2], line[3]) for line in _widget_metrics("HTTP API requests")}
    assert api == {
        ("AWS/ApiGateway", metric, f"<{name}>")
        for metric in ("Count", "4xx", "5xx")
        for name in ("HttpApi", "InternalApi")
    }
    durations = {(line[3], line[4]["stat"]) for line in _widget_metrics("duration") if line[1] == "Duration"}
    for function in ("VerifyFunction", "AuthorizerFunction"):
        assert {(f"<{function}>", "p50"), (f"<{function}>", "p99")} <= durations
    throttles = {
        (line[1], line[-2] if len(line) > 5 else "table") for line in _widget_metrics("DynamoDB throttle")
    }
    for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
        assert {(metric, "table"), *((metric, index) for index in INDEXES)} <= throttles
