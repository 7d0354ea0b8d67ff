"""Service Quotas, faked whole: moto knows no Bedrock quotas and lacks the request lifecycle.

Tests seed the applied values (and optionally the AWS defaults). An increase request answers PENDING with no CaseId,
as AWS usually does: the linked case is opened in the Support fake only once the request has been read
`link_after_reads` times (GetRequestedServiceQuotaChange or a history list; default 1) or `link_after_seconds` have
passed (default 30), whichever comes first; from then on the request is CASE_OPENED with the case's display id.
`/_ext/service-quotas/settings` changes both, or sets `instant` (the case linked in the answer itself) for tests
about something else. While a request for the same quota is PENDING or
CASE_OPENED a second one is refused with ResourceAlreadyExistsException, as AWS does. Lists page by DEFAULT_PAGE
unless MaxResults says otherwise, so clients that ignore NextToken fail.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from protocols import ACCOUNT_ID, AwsError, AwsRequest, Response, decode_params, json_response
from support_fake import SupportFake

DEFAULT_PAGE = 5
OPEN_STATUSES = {"PENDING", "CASE_OPENED"}
STATUSES = OPEN_STATUSES | {"APPROVED", "DENIED", "CASE_CLOSED", "NOT_APPROVED", "INVALID_REQUEST"}
SERVICE_NAMES = {"bedrock": "Amazon Bedrock"}
REQUESTER = f'{{"accountId":"{ACCOUNT_ID}","callerArn":"arn:aws:iam::{ACCOUNT_ID}:root"}}'


class QuotasFake:
    def __init__(self, support: SupportFake) -> None:
        self.support = support
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.link_after_reads = 1
        self.link_after_seconds = 30.0
        self.instant = False
        self.applied: dict[tuple[str, str], dict[str, Any]] = {}
        self.defaults: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []

    # ---- /_ext/

    def seed(self, body: dict[str, Any]) -> None:
        with self.lock:
            for raw in body.get("quotas") or []:
                quota = _quota(raw)
                self.applied[(quota["ServiceCode"], quota["QuotaCode"])] = quota
            for raw in body.get("defaults") or []:
                quota = _quota(raw)
                self.defaults[(quota["ServiceCode"], quota["QuotaCode"])] = quota

    def set_value(self, body: dict[str, Any]) -> bool:
        with self.lock:
            quota = self.applied.get((body["ServiceCode"], body["QuotaCode"]))
            if quota is None:
                return False
            quota["Value"] = float(body["Value"])
            return True

    def configure(self, body: dict[str, Any]) -> None:
        with self.lock:
            if "link_after_reads" in body:
                self.link_after_reads = int(body["link_after_reads"])
            if "link_after_seconds" in body:
                self.link_after_seconds = float(body["link_after_seconds"])
            if "instant" in body:
                self.instant = bool(body["instant"])

    def _read(self, request: dict[str, Any]) -> None:
        """One read of a request: links its case once enough reads or seconds have passed."""
        if request.get("CaseId") or request["Status"] not in OPEN_STATUSES:
            return
        request["Reads"] = request.get("Reads", 0) + 1
        if request["Reads"] >= self.link_after_reads or time.time() - request["Created"] >= self.link_after_seconds:
            self._link(request)

    def _link(self, request: dict[str, Any]) -> None:
        case = self.support.open_case(
            subject=f"Service Quotas increase: {request['ServiceName']} {request['QuotaName']} to {request['DesiredValue']:.15g}",
            service_code="service-limit-increase",
            category_code="other",
            body=f"Increase {request['QuotaCode']} ({request['QuotaName']}) to {request['DesiredValue']:.15g}.",
            submitted_by="servicequotas.amazonaws.com",
        )
        request["CaseId"] = case["displayId"]
        request["SupportCaseId"] = case["caseId"]
        request["Status"] = "CASE_OPENED"
        request["LastUpdated"] = time.time()

    def request_snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.requests]

    def set_request_status(self, body: dict[str, Any]) -> str | None:
        """None on success, else why the change was refused."""
        status = body.get("Status")
        if status not in STATUSES:
            return f"unknown status {status!r}"
        with self.lock:
            request = next((r for r in self.requests if r["Id"] == body.get("Id")), None)
            if request is None:
                return f"no request {body.get('Id')!r}"
            request["Status"] = status
            request["LastUpdated"] = time.time()
            if status == "APPROVED":
                # An approved increase becomes the applied value, as it does in AWS.
                quota = self.applied.get((request["ServiceCode"], request["QuotaCode"]))
                if quota is not None:
                    quota["Value"] = request["DesiredValue"]
            return None

    # ---- API

    def handle(self, request: AwsRequest) -> Response:
        params = decode_params(request)
        operations = {
            "GetServiceQuota": self.get_service_quota,
            "GetAWSDefaultServiceQuota": self.get_default,
            "ListServiceQuotas": self.list_service_quotas,
            "ListAWSDefaultServiceQuotas": self.list_defaults,
            "RequestServiceQuotaIncrease": self.request_increase,
            "GetRequestedServiceQuotaChange": self.get_request,
            "ListRequestedServiceQuotaChangeHistoryByQuota": self.history_by_quota,
            "ListRequestedServiceQuotaChangeHistory": self.history,
        }
        operation = operations.get(request.operation)
        if operation is None:
            raise AwsError("InvalidAction", f"The emulator does not implement Service Quotas {request.operation}")
        with self.lock:
            return json_response(request, operation(params))

    def _applied(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (_required(params, "ServiceCode"), _required(params, "QuotaCode"))
        quota = self.applied.get(key)
        if quota is None:
            raise AwsError("NoSuchResourceException", f"The request failed because the quota {key[1]} does not exist.")
        return quota

    def get_service_quota(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Quota": dict(self._applied(params))}

    def get_default(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (_required(params, "ServiceCode"), _required(params, "QuotaCode"))
        quota = self.defaults.get(key) or self.applied.get(key)
        if quota is None:
            raise AwsError("NoSuchResourceException", f"The request failed because the quota {key[1]} does not exist.")
        return {"Quota": dict(quota)}

    def list_service_quotas(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(self.applied, params)

    def list_defaults(self, params: dict[str, Any]) -> dict[str, Any]:
        merged = {**self.applied, **self.defaults}
        return self._list(merged, params)

    def _list(self, source: dict[tuple[str, str], dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        service = _required(params, "ServiceCode")
        code = params.get("QuotaCode")
        quotas = [
            dict(q)
            for (s, c), q in sorted(source.items())
            if s == service and (code is None or c == code)
        ]
        if not quotas and not any(s == service for s, _ in source):
            raise AwsError("NoSuchResourceException", "The request failed because the specified service does not exist.")
        page, token = _page(quotas, params)
        result: dict[str, Any] = {"Quotas": page}
        if token:
            result["NextToken"] = token
        return result

    def request_increase(self, params: dict[str, Any]) -> dict[str, Any]:
        quota = self._applied(params)
        desired = float(_required(params, "DesiredValue"))
        if not quota["Adjustable"]:
            raise AwsError("IllegalArgumentException", f"The quota {quota['QuotaCode']} is not adjustable.")
        if desired <= quota["Value"]:
            raise AwsError(
                "IllegalArgumentException",
                f"The desired value {desired:g} must be greater than the current value {quota['Value']:g}.",
            )
        for existing in self.requests:
            same_quota = (existing["ServiceCode"], existing["QuotaCode"]) == (quota["ServiceCode"], quota["QuotaCode"])
            if same_quota and existing["Status"] in OPEN_STATUSES:
                raise AwsError(
                    "ResourceAlreadyExistsException",
                    f"A request for quota {quota['QuotaCode']} is already open: {existing['Id']}",
                )
        now = time.time()
        request = {
            "Id": uuid.uuid4().hex,
            "ServiceCode": quota["ServiceCode"],
            "ServiceName": quota["ServiceName"],
            "QuotaCode": quota["QuotaCode"],
            "QuotaName": quota["QuotaName"],
            "DesiredValue": desired,
            "Status": "PENDING",
            "Created": now,
            "LastUpdated": now,
            "Requester": REQUESTER,
            "QuotaArn": quota["QuotaArn"],
            "GlobalQuota": quota["GlobalQuota"],
            "Unit": quota["Unit"],
            "QuotaRequestedAtLevel": "ACCOUNT",
        }
        if self.instant:
            self._link(request)
        self.requests.append(request)
        return {"RequestedQuota": _public(request)}

    def get_request(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = _required(params, "RequestId")
        for request in self.requests:
            if request["Id"] == wanted:
                self._read(request)
                return {"RequestedQuota": _public(request)}
        raise AwsError("NoSuchResourceException", f"The request {wanted} does not exist.")

    def history_by_quota(self, params: dict[str, Any]) -> dict[str, Any]:
        service = _required(params, "ServiceCode")
        code = _required(params, "QuotaCode")
        return self._history(params, lambda r: r["ServiceCode"] == service and r["QuotaCode"] == code)

    def history(self, params: dict[str, Any]) -> dict[str, Any]:
        service = params.get("ServiceCode")
        return self._history(params, lambda r: service is None or r["ServiceCode"] == service)

    def _history(self, params: dict[str, Any], keep: Any) -> dict[str, Any]:
        status = params.get("Status")
        if status is not None and status not in STATUSES:
            raise AwsError("IllegalArgumentException", f"Invalid Status: {status}")
        for request in self.requests:
            if keep(request):
                self._read(request)
        selected = [
            _public(r) for r in reversed(self.requests) if keep(r) and (status is None or r["Status"] == status)
        ]
        page, token = _page(selected, params)
        result: dict[str, Any] = {"RequestedQuotas": page}
        if token:
            result["NextToken"] = token
        return result


def _quota(raw: dict[str, Any]) -> dict[str, Any]:
    service = raw["ServiceCode"]
    code = raw["QuotaCode"]
    return {
        "ServiceCode": service,
        "ServiceName": raw.get("ServiceName") or SERVICE_NAMES.get(service, service),
        "QuotaArn": f"arn:aws:servicequotas:us-east-1:{ACCOUNT_ID}:{service}/{code}",
        "QuotaCode": code,
        "QuotaName": raw.get("QuotaName") or code,
        "Value": float(raw["Value"]),
        "Unit": raw.get("Unit") or "None",
        "Adjustable": bool(raw.get("Adjustable", True)),
        "GlobalQuota": bool(raw.get("GlobalQuota", False)),
        "QuotaAppliedAtLevel": "ACCOUNT",
    }


def _public(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k not in ("SupportCaseId", "Reads")}


def _required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise AwsError("IllegalArgumentException", f"{name} is required")
    return value


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str | None]:
    size = int(params.get("MaxResults") or DEFAULT_PAGE)
    if not 1 <= size <= 100:
        raise AwsError("IllegalArgumentException", "MaxResults must be between 1 and 100")
    token = params.get("NextToken")
    offset = 0
    if token:
        try:
            offset = int(str(token).removeprefix("page-"))
        except ValueError:
            raise AwsError("InvalidPaginationTokenException", "Invalid pagination token") from None
    page = items[offset : offset + size]
    return page, (f"page-{offset + size}" if offset + size < len(items) else None)
