"""A small evaluator of CloudFormation intrinsics, enough to turn template.yaml into concrete names, ARNs
and policies for one set of parameter values, so the tests can check what AWS would actually receive.

It covers the functions the template uses (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Select, Fn::Split,
Fn::Join, condition functions). Anything else raises, so a new intrinsic cannot slip past the checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"


class UnsupportedIntrinsic(Exception):
    pass


@dataclass
class Stack:
    """One template evaluated with one set of parameter values in one Region."""

    template: dict
    overrides: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"

    def __post_init__(self) -> None:
        self.params: dict[str, str] = {}
        for name, spec in self.template.get("Parameters", {}).items():
            if name in self.overrides:
                self.params[name] = str(self.overrides[name])
            elif "Default" in spec:
                self.params[name] = str(spec["Default"])
        missing = set(self.template.get("Parameters", {})) - set(self.params)
        if missing:
            raise ValueError(f"no value for parameters {sorted(missing)}")
        self.pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::Region": self.region,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "bedrock-ops-alert",
            "AWS::NoValue": None,
        }
        self._conditions: dict[str, bool] = {}

    # ----- resources -------------------------------------------------------------------------------------

    @property
    def resources(self) -> dict[str, dict]:
        return self.template["Resources"]

    def present(self) -> dict[str, dict]:
        """Resources that exist for these parameter values (their Condition holds)."""
        return {k: v for k, v in self.resources.items() if "Condition" not in v or self.condition(v["Condition"])}

    def of_type(self, type_name: str) -> dict[str, dict]:
        return {k: v for k, v in self.present().items() if v["Type"] == type_name}

    def prop(self, logical_id: str, name: str) -> Any:
        return self.eval(self.resources[logical_id].get("Properties", {}).get(name))

    # ----- conditions ------------------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self._cond(self.template["Conditions"][name])
        return self._conditions[name]

    def _cond(self, node: Any) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            raise UnsupportedIntrinsic(f"not a condition: {node!r}")
        (fn, arg), = node.items()
        if fn == "Fn::Equals":
            a, b = (self.eval(x) for x in arg)
            return str(a) == str(b)
        if fn == "Fn::Not":
            return not self._cond(arg[0])
        if fn == "Fn::And":
            return all(self._cond(x) for x in arg)
        if fn == "Fn::Or":
            return any(self._cond(x) for x in arg)
        if fn == "Condition":
            return self.condition(arg)
        raise UnsupportedIntrinsic(fn)

    # ----- values ----------------------------------------------------------------------------------------

    def eval(self, node: Any) -> Any:
        if isinstance(node, list):
            out = [self.eval(x) for x in node]
            return [x for x in out if x is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key.startswith("Fn::") or key == "Condition":
                return self._fn(key, arg)
        return {k: v for k, v in ((k, self.eval(v)) for k, v in node.items()) if v is not None}

    def _fn(self, fn: str, arg: Any) -> Any:
        if fn == "Fn::Sub":
            if isinstance(arg, str):
                return self.sub(arg, {})
            text, variables = arg
            return self.sub(text, {k: self.eval(v) for k, v in variables.items()})
        if fn == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical_id, attribute)
        if fn == "Fn::If":
            name, yes, no = arg
            return self.eval(yes if self.condition(name) else no)
        if fn == "Fn::Select":
            index, values = arg
            return self.eval(values)[int(self.eval(index))]
        if fn == "Fn::Split":
            sep, text = arg
            return str(self.eval(text)).split(sep)
        if fn == "Fn::Join":
            sep, values = arg
            return sep.join(str(v) for v in self.eval(values))
        raise UnsupportedIntrinsic(fn)

    def sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        if name not in self.resources:
            raise KeyError(f"Ref to unknown {name}")
        resource = self.resources[name]
        t = resource["Type"]
        props = resource.get("Properties", {})
        named = {
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::CloudWatch::Alarm": "AlarmName",
            "AWS::CloudWatch::CompositeAlarm": "AlarmName",
            "AWS::CloudWatch::Dashboard": "DashboardName",
            "AWS::SSM::Parameter": "Name",
            "AWS::KMS::Alias": "AliasName",
        }
        if t in named:
            return self.eval(props[named[t]])
        if t == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{self.region}:{ACCOUNT_ID}:{self.eval(props['TopicName'])}"
        if t == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{self.eval(props['QueueName'])}"
        if t == "AWS::KMS::Key":
            return f"key-{name}"
        return f"<Ref {name}>"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.resources[logical_id]
        t = resource["Type"]
        props = resource.get("Properties", {})
        arn = f"arn:{PARTITION}:%s:{self.region}:{ACCOUNT_ID}:%s"
        if attribute == "Arn":
            if t == "AWS::IAM::Role":
                return f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{logical_id}"
            if t == "AWS::SQS::Queue":
                return arn % ("sqs", self.eval(props["QueueName"]))
            if t == "AWS::DynamoDB::Table":
                return arn % ("dynamodb", "table/" + self.eval(props["TableName"]))
            if t == "AWS::KMS::Key":
                return arn % ("kms", f"key/key-{logical_id}")
            if t in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
                return arn % ("lambda", "function:" + self.eval(props["FunctionName"]))
        if t == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.eval(props["QueueName"])
        if t.startswith("Custom::"):
            return f"<{logical_id}.{attribute}>"
        raise UnsupportedIntrinsic(f"GetAtt {logical_id}.{attribute}")


def policy_documents(stack: Stack) -> list[tuple[str, str, dict]]:
    """Every policy document of the stack as (owner logical id, kind, evaluated document)."""
    docs = []
    for logical_id, res in stack.present().items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                docs.append((logical_id, "identity", stack.eval(policy["PolicyDocument"])))
        elif res["Type"] == "AWS::KMS::Key":
            docs.append((logical_id, "key", stack.eval(props["KeyPolicy"])))
        elif res["Type"] in ("AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy"):
            docs.append((logical_id, "resource", stack.eval(props["PolicyDocument"])))
    return docs


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
