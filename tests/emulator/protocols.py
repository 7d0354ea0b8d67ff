"""Wire protocols: who an AWS request is for, how to decode it, and how to answer (results and errors) in its shape.

moto routes by the SigV4 credential scope; the emulator does the same so its own fakes, the call log and the fault
injector all agree on the service name that a test names.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import cbor2

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

# Signing names that differ from the names tests use for a service.
SIGNING_NAME_TO_SERVICE = {"monitoring": "cloudwatch", "eventbridge": "events"}

TARGET_PREFIX_TO_SERVICE = {
    "GraniteServiceVersion20100801": "cloudwatch",
    "AWSSupport_20130415": "support",
    "ServiceQuotasV20190624": "servicequotas",
    "DynamoDB_20120810": "dynamodb",
    "AmazonSSM": "ssm",
}

CBOR_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")

QUERY_XML_NAMESPACES = {
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "cloudwatch": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}


class AwsError(Exception):
    """An AWS error answer: code, HTTP status and message, rendered in the protocol of the request."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class AwsRequest:
    service: str
    operation: str
    protocol: str  # "cbor" | "json" | "query" | "rest"
    region: str
    body: bytes
    json_version: str = "1.1"
    target_prefix: str | None = None
    params: dict[str, Any] | None = field(default=None)


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(service, region) from a SigV4 Authorization header, or (None, None) when unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    match = re.search(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    if not match:
        return None, None
    region, service = match.group(1), match.group(2).lower()
    return SIGNING_NAME_TO_SERVICE.get(service, service), region


def identify(environ: dict[str, Any], body: bytes) -> AwsRequest | None:
    """Classify an incoming request; None when it is not recognisably an AWS API call."""
    service, region = credential_scope(environ)
    path = environ.get("PATH_INFO", "") or "/"
    target = environ.get("HTTP_X_AMZ_TARGET")
    content_type = (environ.get("CONTENT_TYPE") or "").lower()

    cbor_match = CBOR_PATH.match(path)
    if cbor_match:
        prefix = cbor_match.group("service")
        return AwsRequest(
            service=service or TARGET_PREFIX_TO_SERVICE.get(prefix, prefix),
            operation=cbor_match.group("operation"),
            protocol="cbor",
            region=region or DEFAULT_REGION,
            body=body,
            target_prefix=prefix,
        )
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        version = "1.0" if "1.0" in content_type else "1.1"
        return AwsRequest(
            service=service or TARGET_PREFIX_TO_SERVICE.get(prefix, prefix.lower()),
            operation=operation,
            protocol="json",
            region=region or DEFAULT_REGION,
            body=body,
            json_version=version,
            target_prefix=prefix,
        )
    action = None
    if content_type.startswith("application/x-www-form-urlencoded"):
        action = _first(parse_qs(body.decode("utf-8", "replace")).get("Action"))
    if action is None:
        action = _first(parse_qs(environ.get("QUERY_STRING", "")).get("Action"))
    if action:
        return AwsRequest(
            service=service or "unknown",
            operation=action,
            protocol="query",
            region=region or DEFAULT_REGION,
            body=body,
        )
    if service:
        # REST protocols (Lambda, S3, ...): the operation has no name on the wire, so the log uses method and path.
        return AwsRequest(
            service=service,
            operation=f"{environ.get('REQUEST_METHOD', 'GET')} {path}",
            protocol="rest",
            region=region or DEFAULT_REGION,
            body=body,
        )
    return None


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


# ---------------------------------------------------------------------------------------------------------------
# Values


def to_epoch(value: Any) -> float:
    """Epoch seconds from whatever a client or moto used for a timestamp."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        return parse_iso(text).timestamp()
    raise AwsError("ValidationError", f"Invalid timestamp: {value!r}")


def parse_iso(text: str) -> dt.datetime:
    normalised = text.replace("Z", "+00:00")
    # Python 3.11 accepts offsets like +0000 only with a colon.
    normalised = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normalised)
    parsed = dt.datetime.fromisoformat(normalised)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def iso_millis(epoch: float, suffix: str = "Z") -> str:
    stamp = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}" + suffix


def json_ready(value: Any) -> Any:
    """Make CBOR-decoded input JSON-serialisable: datetimes become epoch seconds, blobs base64."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, dt.datetime):
        return to_epoch(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, cbor2.CBORTag):
        return json_ready(value.value)
    return value


def decode_params(request: AwsRequest) -> dict[str, Any]:
    if request.params is None:
        if not request.body:
            request.params = {}
        elif request.protocol == "cbor":
            request.params = json_ready(cbor2.loads(request.body)) or {}
        elif request.protocol == "json":
            request.params = json.loads(request.body.decode("utf-8") or "{}")
        else:
            request.params = {}
    return request.params


def cbor_value(value: Any, shape: Any) -> Any:
    """Encode a JSON-style value for RPCv2-CBOR along a botocore shape (the Rust decoder is strict about types)."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            if isinstance(value, dict) and value.get(name) is not None:
                out[name] = cbor_value(value[name], member)
        return out
    if kind == "list":
        member = shape.member.type_name
        # Fast paths: GetMetricData answers carry tens of thousands of timestamps and values.
        if member in ("double", "float"):
            return [float(item) for item in value]
        if member == "timestamp":
            return [cbor2.CBORTag(1, _epoch_number(item)) for item in value]
        return [cbor_value(item, shape.member) for item in value]
    if kind == "map":
        return {str(k): cbor_value(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return cbor2.CBORTag(1, _epoch_number(value))
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long", "short", "byte"):
        return int(float(value))
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return str(value)


def _epoch_number(value: Any) -> int | float:
    seconds = value if value.__class__ is float else to_epoch(value)
    return int(seconds) if seconds.is_integer() else round(seconds, 3)


# ---------------------------------------------------------------------------------------------------------------
# Answers: (status, headers, body)

Response = tuple[int, list[tuple[str, str]], bytes]


def request_id() -> str:
    return str(uuid.uuid4())


def json_response(request: AwsRequest, result: dict[str, Any], output_shape: Any = None) -> Response:
    """A successful answer for a JSON or CBOR request."""
    if request.protocol == "cbor":
        payload = cbor_value(result, output_shape) if output_shape is not None else result
        return (
            200,
            [
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
                ("x-amzn-RequestId", request_id()),
            ],
            cbor2.dumps(payload),
        )
    return (
        200,
        [
            ("Content-Type", f"application/x-amz-json-{request.json_version}"),
            ("x-amzn-RequestId", request_id()),
        ],
        json.dumps(result, default=_json_default).encode("utf-8"),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return to_epoch(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def error_response(request: AwsRequest, error: AwsError) -> Response:
    """An error in the shape the request's protocol defines, so the SDK sees the right error code."""
    fault = "Sender" if error.status < 500 else "Receiver"
    rid = request_id()
    if request.protocol == "cbor":
        return (
            error.status,
            [
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
                # CloudWatch is awsQueryCompatible: the SDK takes the code from this header when present.
                ("x-amzn-query-error", f"{error.code};{fault}"),
                ("x-amzn-RequestId", rid),
            ],
            cbor2.dumps({"__type": error.code, "message": error.message}),
        )
    if request.protocol == "json":
        return (
            error.status,
            [
                ("Content-Type", f"application/x-amz-json-{request.json_version}"),
                ("x-amzn-RequestId", rid),
            ],
            json.dumps({"__type": error.code, "message": error.message}).encode("utf-8"),
        )
    if request.protocol == "query":
        namespace = QUERY_XML_NAMESPACES.get(request.service, "")
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>{fault}</Type><Code>{_xml(error.code)}</Code>"
            f"<Message>{_xml(error.message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        )
        return (error.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode("utf-8"))
    return (
        error.status,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code), ("x-amzn-RequestId", rid)],
        json.dumps({"message": error.message, "Type": "User" if fault == "Sender" else "Service"}).encode(),
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def error_code_of(status: int, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """The AWS error code of an answer, whatever its protocol; None for a success."""
    if status < 400:
        return None
    lowered = {name.lower(): value for name, value in headers}
    if "x-amzn-query-error" in lowered:
        return lowered["x-amzn-query-error"].split(";", 1)[0]
    if "x-amzn-errortype" in lowered:
        return _sanitise(lowered["x-amzn-errortype"])
    content_type = lowered.get("content-type", "")
    try:
        if "cbor" in content_type:
            decoded = cbor2.loads(body)
            if isinstance(decoded, dict) and "__type" in decoded:
                return _sanitise(str(decoded["__type"]))
        if "json" in content_type or body[:1] == b"{":
            decoded = json.loads(body.decode("utf-8"))
            if isinstance(decoded, dict):
                for key in ("__type", "code", "Code"):
                    if key in decoded:
                        return _sanitise(str(decoded[key]))
    except (ValueError, cbor2.CBORDecodeError, UnicodeDecodeError):
        pass
    match = re.search(rb"<Code>([^<]+)</Code>", body)
    if match:
        return match.group(1).decode("utf-8", "replace")
    return f"HTTP{status}"


def _sanitise(code: str) -> str:
    code = code.split(":", 1)[0]
    return code.rsplit("#", 1)[-1]
