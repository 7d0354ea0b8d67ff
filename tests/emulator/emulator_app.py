"""The WSGI app the launcher serves: our `/_ext/` endpoints and fakes in front of moto's own dispatcher.

Every AWS call passes through `EmulatorApp.aws_call`, which logs it, applies the injected latency and faults, and
hands it to our fakes (Support, Service Quotas, Bedrock inference profiles, parts of CloudWatch) or to moto, translating CloudWatch's RPCv2-CBOR
to the JSON 1.0 protocol moto speaks.
"""

from __future__ import annotations

import gzip
import http
import io
import json
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.iam import models as iam_models
from moto.sns import models as sns_models
from moto.sns.models import sns_backends

import cloudformation_ext
import cloudwatch_ext
import sns_ext
from protocols import (
    AwsError,
    AwsRequest,
    Response,
    decode_params,
    error_code_of,
    error_response,
    identify,
    json_response,
)
from bedrock_fake import BedrockFake
from quotas_fake import QuotasFake
from support_fake import SupportFake

CLOUDWATCH_TARGET_PREFIX = "GraniteServiceVersion20100801"
SERVICE_ALIASES = {"monitoring": "cloudwatch", "service-quotas": "servicequotas"}

# ---------------------------------------------------------------------------------------------------------------
# SNS: moto keeps each topic's messages but no global order or time; stamp them as they are published.

_publish_stamps: dict[str, tuple[int, float]] = {}
_publish_counter = [0]
_publish_lock = threading.Lock()
_original_topic_publish = sns_models.Topic.publish


def _topic_publish(self: Any, *args: Any, **kwargs: Any) -> str:
    message_id = _original_topic_publish(self, *args, **kwargs)
    with _publish_lock:
        _publish_counter[0] += 1
        _publish_stamps[message_id] = (_publish_counter[0], time.time())
    return message_id


def install_patches() -> None:
    sns_models.Topic.publish = _topic_publish
    # AWS names Service Quotas' service-linked role AWSServiceRoleForServiceQuotas; moto would name it after
    # the lower-case service principal.
    iam_models.SERVICE_NAME_CONVERSION.setdefault("servicequotas", "ServiceQuotas")
    cloudwatch_ext.install()
    cloudformation_ext.install()
    sns_ext.install()


def sns_messages(topic_arn: str | None) -> list[dict[str, Any]]:
    found = []
    for account in list(sns_backends.keys()):
        for region, backend in list(sns_backends[account].items()):
            for arn, topic in list(backend.topics.items()):
                if topic_arn and arn != topic_arn:
                    continue
                for message_id, message, subject, attributes, group_id in list(topic.sent_notifications):
                    sequence, published = _publish_stamps.get(message_id, (sys.maxsize, 0.0))
                    found.append(
                        (
                            sequence,
                            {
                                "MessageId": message_id,
                                "TopicArn": arn,
                                "Subject": subject,
                                "Message": message,
                                "MessageAttributes": attributes or {},
                                "MessageGroupId": group_id,
                                "Timestamp": published,
                            },
                        )
                    )
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


# ---------------------------------------------------------------------------------------------------------------


def sqs_advance(queue_url: str, seconds: float) -> int:
    """Moves a queue's clock on by `seconds`: every message's delay (and visibility timeout) ends that much
    sooner, so a test plays Lambda's event source mapping a minute or an hour later without waiting for it.
    moto honours per-message DelaySeconds in ReceiveMessage (checked in tests/emulator/README.md)."""
    from moto.sqs.models import sqs_backends

    name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    moved = 0
    for account in list(sqs_backends.keys()):
        for region, backend in list(sqs_backends[account].items()):
            queue = backend.queues.get(name)
            if queue is None:
                continue
            for message in queue._messages:
                message.delayed_until -= int(seconds * 1000)
                if message.visible_at:
                    message.visible_at -= int(seconds * 1000)
                moved += 1
    return moved


# The service name that targets the custom-resource response sink with `/_ext/faults` (operation `PUT`).
CFN_RESPONSE_SERVICE = "cfn-response"


class EmulatorApp:
    def __init__(self, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self.moto_app = moto_app
        self.support = SupportFake()
        self.quotas = QuotasFake(self.support)
        self.bedrock = BedrockFake()
        self.lock = threading.Lock()
        self.dynamodb_lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.next_fault_id = 1
        self.latency_ms = 0
        self.cfn_responses: list[dict[str, Any]] = []
        self._cloudwatch_model: Any = None

    # ---- WSGI entry

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_ext/"):
            status, headers, body = self.ext(environ, path)
        else:
            body_bytes = _read_body(environ)
            request = identify(environ, body_bytes)
            if request is None:
                environ["wsgi.input"] = io.BytesIO(body_bytes)
                return self.moto_app(environ, start_response)
            status, headers, body = self.aws_call(environ, request)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {http.HTTPStatus(status).phrase}", headers)
        return [body]

    # ---- AWS calls

    def aws_call(self, environ: dict[str, Any], request: AwsRequest) -> Response:
        started = time.time()
        with self.lock:
            latency = self.latency_ms
            fault = self._take_fault(request)
        if latency:
            time.sleep(latency / 1000)
        try:
            if fault is not None and fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000)
            if fault is not None and fault.get("error_code"):
                raise AwsError(
                    fault["error_code"],
                    fault.get("message") or f"Injected fault: {fault['error_code']}",
                    int(fault.get("http_status") or 400),
                )
            response = self.dispatch(environ, request)
        except AwsError as error:
            response = error_response(request, error)
        except Exception:  # noqa: BLE001 - the client gets a 500 like AWS's InternalFailure; the log gets the cause
            traceback.print_exc()
            response = error_response(request, AwsError("InternalFailure", "Emulator internal error", 500))
        status, headers, body = response
        with self.lock:
            self.calls.append(
                {
                    "service": request.service,
                    "operation": request.operation,
                    "region": request.region,
                    "start": started,
                    "end": time.time(),
                    "status": status,
                    "error_code": error_code_of(status, headers, body),
                    "faulted": fault is not None,
                }
            )
        return response

    def _take_fault(self, request: AwsRequest) -> dict[str, Any] | None:
        return self._take_fault_for(request.service, request.operation)

    def _take_fault_for(self, service_name: str, operation_name: str) -> dict[str, Any] | None:
        for fault in self.faults:
            service = SERVICE_ALIASES.get(fault["service"].lower(), fault["service"].lower())
            operation = fault.get("operation")
            if service != service_name or (operation not in (None, "", "*") and operation != operation_name):
                continue
            if fault["times"] is not None:
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self.faults.remove(fault)
            return dict(fault)
        return None

    def dispatch(self, environ: dict[str, Any], request: AwsRequest) -> Response:
        if request.service == "support":
            return self.support.handle(request)
        if request.service == "servicequotas":
            return self.quotas.handle(request)
        if request.service == "bedrock":
            return self.bedrock.handle(request, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        if request.service == "cloudwatch" and request.protocol in ("cbor", "json"):
            if request.operation in cloudwatch_ext.OWN_OPERATIONS:
                return cloudwatch_ext.handle(request, self._output_shape(request))
            return self._cloudwatch_via_moto(environ, request)
        if request.service == "dynamodb":
            # DynamoDB applies a conditional write atomically; moto checks and writes without a lock, so two
            # threads can both pass one condition (two owners of one ledger claim). One write at a time here.
            with self.dynamodb_lock:
                return self._moto(environ, request.body)
        return self._moto(environ, request.body)

    def _output_shape(self, request: AwsRequest) -> Any:
        if request.protocol != "cbor":
            return None
        if self._cloudwatch_model is None:
            import botocore.session

            self._cloudwatch_model = botocore.session.get_session().get_service_model("cloudwatch")
        return self._cloudwatch_model.operation_model(request.operation).output_shape

    def _cloudwatch_via_moto(self, environ: dict[str, Any], request: AwsRequest) -> Response:
        if request.protocol == "json":
            return self._moto(environ, request.body)
        forwarded = dict(environ)
        forwarded["HTTP_X_AMZ_TARGET"] = f"{CLOUDWATCH_TARGET_PREFIX}.{request.operation}"
        params = decode_params(request)
        forwarded["PATH_INFO"] = "/"
        forwarded["CONTENT_TYPE"] = "application/x-amz-json-1.0"
        forwarded.pop("HTTP_SMITHY_PROTOCOL", None)
        forwarded.pop("HTTP_ACCEPT", None)
        status, headers, body = self._moto(forwarded, json.dumps(params).encode("utf-8"))
        try:
            decoded = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            decoded = {}
        if status >= 400:
            code = error_code_of(status, headers, body) or "InternalFailure"
            message = code
            if isinstance(decoded, dict):
                message = decoded.get("message") or decoded.get("Message") or code
            raise AwsError(code, str(message), status)
        return json_response(request, decoded, self._output_shape(request))

    def _moto(self, environ: dict[str, Any], body: bytes) -> Response:
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        iterable = self.moto_app(environ, start_response)
        try:
            payload = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], payload

    # ---- /_ext/

    def ext(self, environ: dict[str, Any], path: str) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        body = _read_body(environ)
        payload: Any = {}
        if body.strip() and not path.startswith("/_ext/cfn-response/"):
            try:
                payload = json.loads(body.decode("utf-8"))
            except ValueError:
                return _ext_error(400, "the body is not JSON")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        route = (method, path.rstrip("/"))
        try:
            if route == ("POST", "/_ext/reset"):
                self.reset()
                return _ok({})
            if route == ("GET", "/_ext/health"):
                return _ok({"ok": True})
            if route == ("POST", "/_ext/service-quotas/seed"):
                self.quotas.seed(payload)
                return _ok({})
            if route == ("POST", "/_ext/service-quotas/set-value"):
                if not self.quotas.set_value(payload):
                    return _ext_error(404, "quota not seeded")
                return _ok({})
            if route == ("GET", "/_ext/service-quotas/requests"):
                return _ok({"requests": self.quotas.request_snapshot()})
            if route == ("POST", "/_ext/service-quotas/requests/status"):
                refused = self.quotas.set_request_status(payload)
                return _ext_error(404, refused) if refused else _ok({})
            if route == ("POST", "/_ext/bedrock/inference-profiles"):
                self.bedrock.seed(payload)
                return _ok({})
            if route == ("POST", "/_ext/service-quotas/settings"):
                self.quotas.configure(payload)
                return _ok({})
            if route == ("POST", "/_ext/support/settings"):
                self.support.configure(payload)
                return _ok({})
            if route == ("POST", "/_ext/support/advance"):
                return _ok({"advanced": self.support.advance(float(payload["seconds"]))})
            if route == ("POST", "/_ext/sqs/advance"):
                return _ok({"advanced": sqs_advance(payload["QueueUrl"], float(payload["Seconds"]))})
            if route == ("GET", "/_ext/support/cases"):
                return _ok({"cases": self.support.snapshot()})
            if route == ("POST", "/_ext/support/subscription"):
                self.support.subscribed = bool(payload.get("subscribed", True))
                return _ok({})
            if route == ("GET", "/_ext/sns/messages"):
                return _ok({"messages": sns_messages(_first(query.get("topic_arn")))})
            if route == ("POST", "/_ext/sns/confirm"):
                confirmed = sns_ext.confirm(payload)
                return _ok({"confirmed": confirmed}) if confirmed else _ext_error(404, "no pending subscription")
            if route == ("GET", "/_ext/calls"):
                with self.lock:
                    return _ok({"calls": list(self.calls)})
            if route == ("POST", "/_ext/calls/reset"):
                with self.lock:
                    self.calls = []
                return _ok({})
            if route == ("POST", "/_ext/latency"):
                with self.lock:
                    self.latency_ms = max(0, int(payload.get("ms", 0)))
                return _ok({})
            if route == ("POST", "/_ext/faults"):
                return _ok({"id": self.add_fault(payload)})
            if route == ("GET", "/_ext/faults"):
                with self.lock:
                    return _ok({"faults": [dict(f) for f in self.faults]})
            if route == ("DELETE", "/_ext/faults"):
                with self.lock:
                    self.faults = []
                return _ok({})
            if method == "PUT" and path.startswith("/_ext/cfn-response/"):
                return self.cfn_response_put(environ, path, body)
            if route == ("POST", "/_ext/cloudformation/settings"):
                cloudformation_ext.configure(payload)
                return _ok({})
            if route == ("POST", "/_ext/cloudformation/fail"):
                cloudformation_ext.fail_next(payload)
                return _ok({})
            if route == ("GET", "/_ext/cfn-responses"):
                with self.lock:
                    return _ok({"responses": list(self.cfn_responses)})
        except (KeyError, TypeError, ValueError) as error:
            return _ext_error(400, f"bad request: {error!r}")
        return _ext_error(404, f"no route {method} {path}")

    def add_fault(self, payload: dict[str, Any]) -> int:
        if not payload.get("service"):
            raise ValueError("service is required")
        if not payload.get("error_code") and not payload.get("delay_ms"):
            raise ValueError("a fault needs error_code, delay_ms or both")
        times = payload.get("times")
        with self.lock:
            fault = {
                "id": self.next_fault_id,
                "service": str(payload["service"]),
                "operation": payload.get("operation"),
                "error_code": payload.get("error_code"),
                "http_status": int(payload.get("http_status") or 400),
                "message": payload.get("message"),
                "times": None if times is None else int(times),
                "delay_ms": int(payload.get("delay_ms") or 0),
            }
            self.next_fault_id += 1
            self.faults.append(fault)
            return fault["id"]

    def cfn_response_put(self, environ: dict[str, Any], path: str, body: bytes) -> Response:
        # Faults for service `cfn-response` stand in for S3 refusing or stalling the pre-signed PUT; only faulted
        # PUTs enter the call log, so call counts of AWS operations stay as they were.
        started = time.time()
        with self.lock:
            fault = self._take_fault_for(CFN_RESPONSE_SERVICE, "PUT")
        if fault is None:
            self.record_cfn_response(environ, path, body)
            return _ok({})
        if fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000)
        if fault.get("error_code"):
            status = int(fault.get("http_status") or 500)
            response: Response = (
                status,
                [("Content-Type", "application/xml")],
                f"<Error><Code>{fault['error_code']}</Code></Error>".encode("utf-8"),
            )
        else:
            self.record_cfn_response(environ, path, body)
            status, response = 200, _ok({})
        with self.lock:
            self.calls.append(
                {
                    "service": CFN_RESPONSE_SERVICE,
                    "operation": "PUT",
                    "region": "",
                    "start": started,
                    "end": time.time(),
                    "status": status,
                    "error_code": fault.get("error_code"),
                    "faulted": True,
                }
            )
        return response

    def record_cfn_response(self, environ: dict[str, Any], path: str, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = None
        with self.lock:
            self.cfn_responses.append(
                {
                    "path": path.removeprefix("/_ext/cfn-response/"),
                    "query": environ.get("QUERY_STRING", ""),
                    "content_type": environ.get("CONTENT_TYPE", ""),
                    "body": parsed,
                    "raw": text,
                    "received": time.time(),
                }
            )

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        self.support.reset()
        self.quotas.reset()
        self.bedrock.reset()
        cloudformation_ext.STATE.reset()
        sns_ext.reset()
        with _publish_lock:
            _publish_stamps.clear()
        with self.lock:
            self.calls = []
            self.faults = []
            self.latency_ms = 0
            self.cfn_responses = []


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    if length > 0:
        body = stream.read(length)
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    if "gzip" in (environ.get("HTTP_CONTENT_ENCODING") or "").lower():
        # The SDKs gzip large PutMetricData bodies; moto and our fakes want them plain.
        body = gzip.decompress(body)
        environ.pop("HTTP_CONTENT_ENCODING", None)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _ok(result: dict[str, Any]) -> Response:
    return 200, [("Content-Type", "application/json")], json.dumps(result).encode("utf-8")


def _ext_error(status: int, message: str) -> Response:
    return status, [("Content-Type", "application/json")], json.dumps({"error": message}).encode("utf-8")

