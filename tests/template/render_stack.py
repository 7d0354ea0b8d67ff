"""Prints, as JSON, what CloudFormation would create from template.yaml for one set of parameter values:
the effective parameters, the SAM Globals and every resource whose Condition holds, with its properties
evaluated by cfn_eval (names, ARNs and values filled in). The SAM transform is not applied: functions stay
AWS::Serverless::Function, which still shows their Metadata and Environment (the Globals are not merged
into them).

Used by the demo (`bedrock-ops-alert demo` provisions the emulated stack from this output) and by the Rust
test that checks the code reads exactly what the template passes. Needs only PyYAML, so it runs in the
emulator's venv as well as in this directory's.

    python render_stack.py [--template PATH] [--region R] [Name=Value ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cfn_eval import Stack  # noqa: E402

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent.parent / "template.yaml"


def cfn_loader() -> type[yaml.SafeLoader]:
    """Short intrinsic tags (!Ref, !Sub, ...) become their long JSON form, as CloudFormation reads them."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def render(template: dict, overrides: dict[str, str], region: str) -> dict:
    stack = Stack(template, overrides, region)
    resources = {}
    for logical_id, resource in stack.present().items():
        resources[logical_id] = {
            "Type": resource["Type"],
            "Metadata": resource.get("Metadata", {}),
            "Properties": stack.eval(resource.get("Properties", {})),
        }
    return {
        "Parameters": stack.params,
        "Region": region,
        "Globals": stack.eval(template.get("Globals", {})),
        "Resources": resources,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("parameters", nargs="*", metavar="Name=Value")
    args = parser.parse_args()
    overrides = {}
    for pair in args.parameters:
        name, sep, value = pair.partition("=")
        if not sep:
            parser.error(f"{pair!r} is not Name=Value")
        overrides[name] = value
    template = yaml.load(args.template.read_text(), Loader=cfn_loader())
    unknown = set(overrides) - set(template.get("Parameters", {}))
    if unknown:
        parser.error(f"the template has no parameter {', '.join(sorted(unknown))}")
    json.dump(render(template, overrides, args.region), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
