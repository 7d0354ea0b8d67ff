"""AWS Support, faked whole: moto's version changes a case's status and severity on every read and lacks most calls.

Cases keep the status they were given; reads never mutate. Pages are small by default (DEFAULT_PAGE) so clients
that forget nextToken fail their tests. `subscribed = False` makes every call answer SubscriptionRequiredException,
as an account without a Business/Enterprise Support plan does.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from protocols import ACCOUNT_ID, AwsError, AwsRequest, Response, decode_params, iso_millis, json_response, parse_iso

DEFAULT_PAGE = 5
SUBMITTED_BY = f"arn:aws:iam::{ACCOUNT_ID}:root"
# Who AWS's own replies on a case are submitted by.
AWS_SUBMITTER = "Amazon Web Services"

SEVERITY_LEVELS = [
    {"code": "low", "name": "Low"},
    {"code": "normal", "name": "Normal"},
    {"code": "high", "name": "High"},
    {"code": "urgent", "name": "Urgent"},
    {"code": "critical", "name": "Critical"},
]

SERVICES = [
    {
        "code": "service-bedrock",
        "name": "Amazon Bedrock",
        "categories": [
            {"code": "general-guidance", "name": "General Guidance"},
            {"code": "other", "name": "Other"},
        ],
    },
    {
        "code": "service-limit-increase",
        "name": "Service Limit Increase",
        "categories": [{"code": "other", "name": "Other"}],
    },
    {
        "code": "general-info",
        "name": "General Info and Getting Started",
        "categories": [{"code": "general-guidance", "name": "General Guidance"}],
    },
]


class SupportFake:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        # AWS's automated first reply on a case Service Quotas opens comes about a minute after it.
        self.auto_reply_after_seconds = 60.0
        self.cases: dict[str, dict[str, Any]] = {}
        self.subscribed = True
        self.next_display_id = 17000000001

    # ---- used by the Service Quotas fake, which opens a case for each increase request

    def open_case(self, subject: str, service_code: str, category_code: str, body: str, submitted_by: str) -> dict:
        with self.lock:
            case = self._create(subject, service_code, category_code, "low", body, [], "en", "technical", submitted_by)
            case["autoReplyAt"] = case["created"] + self.auto_reply_after_seconds
            return case

    def configure(self, body: dict[str, Any]) -> None:
        with self.lock:
            if "auto_reply_after_seconds" in body:
                self.auto_reply_after_seconds = float(body["auto_reply_after_seconds"])
                # Applies to the cases already open and not yet answered too.
                for case in self.cases.values():
                    if case.get("autoReplyAt") is not None:
                        case["autoReplyAt"] = case["created"] + self.auto_reply_after_seconds

    def advance(self, seconds: float) -> int:
        """Ages every case by `seconds` (its creation, its communications and its pending automated reply), as if
        that much time had passed: the demo and the tests play AWS's reply a minute later without waiting for it.
        Returns how many cases were aged."""
        with self.lock:
            for case in self.cases.values():
                case["created"] -= seconds
                for communication in case["communications"]:
                    communication["created"] -= seconds
                if case.get("autoReplyAt") is not None:
                    case["autoReplyAt"] -= seconds
            return len(self.cases)

    def _due_replies(self, case: dict[str, Any]) -> None:
        """Posts AWS's automated first reply once its time has come (looked at whenever the case is read)."""
        due = case.get("autoReplyAt")
        if due is not None and time.time() >= due:
            case["autoReplyAt"] = None
            self._communicate(
                case,
                "Hello, thank you for your quota increase request. We are reviewing it and will update this case.",
                AWS_SUBMITTER,
                due,
            )

    # ---- /_ext/

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._render(case, communications="all") for case in self._ordered(newest_first=False)]

    # ---- API

    def handle(self, request: AwsRequest) -> Response:
        if not self.subscribed:
            raise AwsError(
                "SubscriptionRequiredException",
                "AWS Premium Support Subscription is required to use this service.",
            )
        if request.region != "us-east-1":
            raise AwsError(
                "UnrecognizedClientException",
                f"AWS Support is served only in us-east-1, this request was signed for {request.region}",
            )
        params = decode_params(request)
        operations = {
            "CreateCase": self.create_case,
            "DescribeCases": self.describe_cases,
            "AddCommunicationToCase": self.add_communication,
            "DescribeCommunications": self.describe_communications,
            "ResolveCase": self.resolve_case,
            "DescribeSeverityLevels": lambda _p: {"severityLevels": SEVERITY_LEVELS},
            "DescribeServices": self.describe_services,
        }
        operation = operations.get(request.operation)
        if operation is None:
            raise AwsError("InvalidAction", f"The emulator does not implement Support {request.operation}")
        with self.lock:
            return json_response(request, operation(params))

    def create_case(self, params: dict[str, Any]) -> dict[str, Any]:
        subject = params.get("subject")
        body = params.get("communicationBody")
        if not subject or not body:
            raise AwsError("ValidationException", "subject and communicationBody are required")
        severity = params.get("severityCode") or "low"
        if severity not in {level["code"] for level in SEVERITY_LEVELS}:
            raise AwsError("ValidationException", f"Invalid severityCode: {severity}")
        service_code = params.get("serviceCode") or "general-info"
        category_code = params.get("categoryCode") or "general-guidance"
        service = next((s for s in SERVICES if s["code"] == service_code), None)
        if service is None or category_code not in {c["code"] for c in service["categories"]}:
            raise AwsError(
                "ValidationException", f"Invalid serviceCode/categoryCode: {service_code}/{category_code}"
            )
        cc = params.get("ccEmailAddresses") or []
        case = self._create(
            subject,
            service_code,
            category_code,
            severity,
            body,
            cc,
            params.get("language") or "en",
            params.get("issueType") or "technical",
            SUBMITTED_BY,
        )
        return {"caseId": case["caseId"]}

    def _create(self, subject, service_code, category_code, severity, body, cc, language, issue_type, submitted_by):
        now = time.time()
        case_id = f"case-{ACCOUNT_ID}-{time.gmtime(now).tm_year}-{secrets.token_hex(8)}"
        case = {
            "caseId": case_id,
            "displayId": str(self.next_display_id),
            "subject": subject,
            "status": "opened",
            "serviceCode": service_code,
            "categoryCode": category_code,
            "severityCode": severity,
            "submittedBy": submitted_by,
            "created": now,
            "ccEmailAddresses": list(cc),
            "language": language,
            "issueType": issue_type,
            "communications": [],
        }
        self.next_display_id += 1
        self._communicate(case, body, submitted_by, now)
        self.cases[case_id] = case
        return case

    def _communicate(self, case: dict[str, Any], body: str, submitted_by: str, when: float) -> None:
        case["communications"].append({"body": body, "submittedBy": submitted_by, "created": when})

    def _case(self, case_id: str | None) -> dict[str, Any]:
        case = self.cases.get(case_id or "")
        if case is None:
            raise AwsError("CaseIdNotFound", f"Case {case_id} not found")
        return case

    def _ordered(self, newest_first: bool = True) -> list[dict[str, Any]]:
        # Creation order breaks ties between cases created in the same instant.
        ordered = list(self.cases.values())
        return list(reversed(ordered)) if newest_first else ordered

    def describe_cases(self, params: dict[str, Any]) -> dict[str, Any]:
        ids = params.get("caseIdList") or []
        for case_id in ids:
            self._case(case_id)
        display_id = params.get("displayId")
        after = _time_param(params, "afterTime")
        before = _time_param(params, "beforeTime")
        include_resolved = bool(params.get("includeResolvedCases", False))
        include_communications = params.get("includeCommunications", True) is not False
        selected = [
            case
            for case in self._ordered()
            if (not ids or case["caseId"] in ids)
            and (display_id is None or case["displayId"] == display_id)
            and (after is None or case["created"] >= after)
            and (before is None or case["created"] <= before)
            and (include_resolved or case["status"] != "resolved")
        ]
        page, token = _page(selected, params, "cases")
        rendered = [self._render(case, communications="recent" if include_communications else "none") for case in page]
        result: dict[str, Any] = {"cases": rendered}
        if token:
            result["nextToken"] = token
        return result

    def _render(self, case: dict[str, Any], communications: str) -> dict[str, Any]:
        self._due_replies(case)
        out = {key: case[key] for key in (
            "caseId", "displayId", "subject", "status", "serviceCode", "categoryCode", "severityCode",
            "submittedBy", "ccEmailAddresses", "language",
        )}
        out["timeCreated"] = iso_millis(case["created"])
        newest_first = [self._render_communication(case, c) for c in reversed(case["communications"])]
        if communications == "all":
            out["issueType"] = case["issueType"]
            out["communications"] = list(reversed(newest_first))
        elif communications == "recent":
            recent: dict[str, Any] = {"communications": newest_first[:DEFAULT_PAGE]}
            if len(newest_first) > DEFAULT_PAGE:
                recent["nextToken"] = f"communications-{DEFAULT_PAGE}"
            out["recentCommunications"] = recent
        return out

    @staticmethod
    def _render_communication(case: dict[str, Any], communication: dict[str, Any]) -> dict[str, Any]:
        return {
            "caseId": case["caseId"],
            "body": communication["body"],
            "submittedBy": communication["submittedBy"],
            "timeCreated": iso_millis(communication["created"]),
            "attachmentSet": [],
        }

    def add_communication(self, params: dict[str, Any]) -> dict[str, Any]:
        case = self._case(params.get("caseId"))
        body = params.get("communicationBody")
        if not body:
            raise AwsError("ValidationException", "communicationBody is required")
        self._communicate(case, body, SUBMITTED_BY, time.time())
        for address in params.get("ccEmailAddresses") or []:
            if address not in case["ccEmailAddresses"]:
                case["ccEmailAddresses"].append(address)
        if case["status"] == "resolved":
            case["status"] = "reopened"
        return {"result": True}

    def describe_communications(self, params: dict[str, Any]) -> dict[str, Any]:
        case = self._case(params.get("caseId"))
        self._due_replies(case)
        after = _time_param(params, "afterTime")
        before = _time_param(params, "beforeTime")
        selected = [
            c
            for c in reversed(case["communications"])
            if (after is None or c["created"] >= after) and (before is None or c["created"] <= before)
        ]
        page, token = _page(selected, params, "communications")
        result: dict[str, Any] = {"communications": [self._render_communication(case, c) for c in page]}
        if token:
            result["nextToken"] = token
        return result

    def resolve_case(self, params: dict[str, Any]) -> dict[str, Any]:
        case = self._case(params.get("caseId"))
        initial = case["status"]
        case["status"] = "resolved"
        return {"initialCaseStatus": initial, "finalCaseStatus": "resolved"}

    def describe_services(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("serviceCodeList") or []
        return {"services": [s for s in SERVICES if not wanted or s["code"] in wanted]}


def _time_param(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_iso(str(value)).timestamp()
    except ValueError:
        raise AwsError("ValidationException", f"Invalid {name}: {value}") from None


def _page(items: list[Any], params: dict[str, Any], kind: str) -> tuple[list[Any], str | None]:
    size = params.get("maxResults")
    if size is None:
        size = DEFAULT_PAGE
    elif not 10 <= int(size) <= 100:
        raise AwsError("ValidationException", "maxResults must be between 10 and 100")
    size = int(size)
    token = params.get("nextToken")
    offset = 0
    if token:
        try:
            prefix, number = str(token).rsplit("-", 1)
            offset = int(number)
            if prefix != kind:
                raise ValueError(prefix)
        except ValueError:
            raise AwsError("ValidationException", "Invalid nextToken") from None
    page = items[offset : offset + size]
    return page, (f"{kind}-{offset + size}" if offset + size < len(items) else None)
