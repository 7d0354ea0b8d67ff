"""SNS as pessimistic as AWS about e-mail subscriptions: moto confirms every subscription at once; AWS keeps
an `email` or `email-json` subscription pending until the recipient clicks the link it mails. Here such a
subscription stays pending until a test confirms it (`POST /_ext/sns/confirm`), and until then:

- ListSubscriptionsByTopic and ListSubscriptions answer `PendingConfirmation` as its SubscriptionArn;
- GetSubscriptionAttributes answers PendingConfirmation `true`;
- Subscribe answers `pending confirmation` as the ARN unless ReturnSubscriptionArn is true.

Other protocols keep moto's immediate confirmation (not modelled: HTTP(S) confirmation POSTs).

SQS subscriptions need nothing here: moto 5.2.5 delivers to the queue with the subscription's filter policy,
raw message delivery (SNS message attributes become SQS message attributes; RawMessageDelivery read as a
boolean) and, for a message without its own delay, the queue's default DelaySeconds, as AWS does (the
follow-up queue's subscription relies on all three: crates/notification-processor/tests/emulator_follow_up.rs).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.sns import models as sns_models
from moto.sns import responses as sns_responses

PENDING_PROTOCOLS = ("email", "email-json")
PENDING_ARN = "PendingConfirmation"

_pending: set[str] = set()
_lock = threading.Lock()

_original_subscribe = sns_models.SNSBackend.subscribe
_original_response_subscribe = sns_responses.SNSResponse.subscribe
_original_list = sns_responses.SNSResponse.list_subscriptions
_original_list_by_topic = sns_responses.SNSResponse.list_subscriptions_by_topic


def _subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
    existing = self._find_subscription(topic_arn, endpoint, protocol)
    subscription = _original_subscribe(self, topic_arn, endpoint, protocol)
    if existing is None and protocol in PENDING_PROTOCOLS:
        with _lock:
            _pending.add(subscription.arn)
        subscription.attributes["PendingConfirmation"] = True
        subscription.attributes["ConfirmationWasAuthenticated"] = False
    return subscription


def _is_pending(arn: str) -> bool:
    with _lock:
        return arn in _pending


def _listed(subscriptions: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "SubscriptionArn": PENDING_ARN if _is_pending(s.arn) else s.arn,
            "Owner": s.owner,
            "Protocol": s.protocol,
            "Endpoint": s.endpoint,
            "TopicArn": s.topic.arn,
        }
        for s in subscriptions
    ]


def _rewrite(result: ActionResult) -> ActionResult:
    body = dict(result.result)  # type: ignore[arg-type]
    body["Subscriptions"] = _listed(body.get("Subscriptions") or [])
    return ActionResult(body)


def _list(self: Any) -> ActionResult:
    return _rewrite(_original_list(self))


def _list_by_topic(self: Any) -> ActionResult:
    return _rewrite(_original_list_by_topic(self))


def _response_subscribe(self: Any) -> ActionResult:
    result = _original_response_subscribe(self)
    arn = result.result.get("SubscriptionArn")  # type: ignore[union-attr]
    wants_arn = str(self._get_param("ReturnSubscriptionArn") or "").lower() == "true"
    if arn and _is_pending(arn) and not wants_arn:
        return ActionResult({"SubscriptionArn": "pending confirmation"})
    return result


def install() -> None:
    sns_models.SNSBackend.subscribe = _subscribe
    sns_responses.SNSResponse.subscribe = _response_subscribe
    sns_responses.SNSResponse.list_subscriptions = _list
    sns_responses.SNSResponse.list_subscriptions_by_topic = _list_by_topic


def confirm(payload: dict[str, Any]) -> int:
    """Confirms the pending subscriptions of `topic_arn` to `endpoint` (both required); returns how many."""
    topic_arn = str(payload["topic_arn"])
    endpoint = str(payload["endpoint"])
    confirmed = 0
    for account in list(sns_models.sns_backends.keys()):
        for _region, backend in list(sns_models.sns_backends[account].items()):
            for arn, subscription in list(backend.subscriptions.items()):
                if subscription.topic.arn != topic_arn or subscription.endpoint != endpoint:
                    continue
                with _lock:
                    if arn not in _pending:
                        continue
                    _pending.discard(arn)
                subscription.attributes["PendingConfirmation"] = False
                subscription.attributes["ConfirmationWasAuthenticated"] = True
                confirmed += 1
    return confirmed


def reset() -> None:
    with _lock:
        _pending.clear()
