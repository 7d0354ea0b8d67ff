"""Bedrock's inference profiles (control plane, REST-JSON), faked: moto has no inference profiles.

GetInferenceProfile (GET /inference-profiles/{identifier}, by id or ARN) and ListInferenceProfiles
(GET /inference-profiles?type=&maxResults=&nextToken=). Tests seed profiles per Region through
`POST /_ext/bedrock/inference-profiles`. Errors are Bedrock's: a malformed identifier is ValidationException
(400), a profile of another account AccessDeniedException (403), an unknown profile, or one of another Region,
ResourceNotFoundException (404). Lists page by DEFAULT_PAGE, so a client that ignores nextToken misses profiles.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

from protocols import ACCOUNT_ID, DEFAULT_REGION, AwsError, AwsRequest, Response, request_id

DEFAULT_PAGE = 5
PREFIX = "/inference-profiles"
# The API's pattern for inferenceProfileIdentifier (1-2048 characters).
IDENTIFIER = re.compile(
    r"^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(|[0-9]{12}):(inference-profile|application-inference-profile)/)?"
    r"[a-zA-Z0-9-:.]+$"
)
ARN = re.compile(r"^arn:aws(-[^:]+)?:bedrock:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):[a-z-]+/(?P<id>.+)$")


class BedrockFake:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        # (region, profile id) -> GetInferenceProfile's answer
        self.profiles: dict[tuple[str, str], dict[str, Any]] = {}

    # ---- /_ext/

    def seed(self, body: dict[str, Any]) -> None:
        """`{"profiles": [{"id", "type": "APPLICATION"|"SYSTEM_DEFINED", "models": [model ARN, ...],
        "region"?, "name"?, "status"?}]}`; the ARN is derived from the Region, the type and the id."""
        with self.lock:
            for raw in body.get("profiles") or []:
                region = raw.get("region") or DEFAULT_REGION
                kind = raw.get("type") or "APPLICATION"
                if kind not in ("APPLICATION", "SYSTEM_DEFINED"):
                    raise ValueError(f"unknown profile type {kind}")
                resource = "application-inference-profile" if kind == "APPLICATION" else "inference-profile"
                profile_id = str(raw["id"])
                self.profiles[(region, profile_id)] = {
                    "inferenceProfileName": raw.get("name") or profile_id,
                    "inferenceProfileArn": f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:{resource}/{profile_id}",
                    "inferenceProfileId": profile_id,
                    "models": [{"modelArn": arn} for arn in raw.get("models") or []],
                    "status": raw.get("status") or "ACTIVE",
                    "type": kind,
                }

    # ---- API

    def handle(self, request: AwsRequest, path: str, query: str) -> Response:
        method = request.operation.split(" ", 1)[0]
        if method == "GET" and path.rstrip("/") == PREFIX:
            return self._list(request, parse_qs(query))
        if method == "GET" and path.startswith(PREFIX + "/"):
            return self._get(request, unquote(path[len(PREFIX) + 1 :]))
        raise AwsError("UnknownOperationException", f"{request.operation} is not emulated", 404)

    def _get(self, request: AwsRequest, identifier: str) -> Response:
        if not 1 <= len(identifier) <= 2048 or not IDENTIFIER.match(identifier):
            raise AwsError(
                "ValidationException",
                f"1 validation error detected: Value '{identifier[:100]}' at 'inferenceProfileIdentifier' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern",
                400,
            )
        profile_id = identifier
        arn = ARN.match(identifier)
        if arn:
            if arn.group("account") != ACCOUNT_ID:
                raise AwsError(
                    "AccessDeniedException",
                    f"You don't have access to the inference profile {identifier}.",
                    403,
                )
            if arn.group("region") != request.region:
                raise _not_found(identifier)
            profile_id = arn.group("id")
        with self.lock:
            profile = self.profiles.get((request.region, profile_id))
            if profile is None or (arn and profile["inferenceProfileArn"] != identifier):
                raise _not_found(identifier)
            return _json(dict(profile))

    def _list(self, request: AwsRequest, query: dict[str, list[str]]) -> Response:
        kind = (query.get("type") or [None])[0]
        if kind not in (None, "APPLICATION", "SYSTEM_DEFINED"):
            raise AwsError("ValidationException", f"Invalid value for type: {kind}", 400)
        try:
            size = int((query.get("maxResults") or [DEFAULT_PAGE])[0])
            start = int((query.get("nextToken") or ["0"])[0])
        except ValueError as error:
            raise AwsError("ValidationException", "Invalid maxResults or nextToken", 400) from error
        if not 1 <= size <= 1000:
            raise AwsError("ValidationException", "maxResults must be between 1 and 1000", 400)
        with self.lock:
            found = [
                dict(p)
                for (region, _), p in sorted(self.profiles.items())
                if region == request.region and (kind is None or p["type"] == kind)
            ]
        page = found[start : start + size]
        result: dict[str, Any] = {"inferenceProfileSummaries": page}
        if start + size < len(found):
            result["nextToken"] = str(start + size)
        return _json(result)


def _not_found(identifier: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"The specified inference profile {identifier} does not exist.", 404)


def _json(result: dict[str, Any]) -> Response:
    return 200, [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id())], json.dumps(result).encode()
