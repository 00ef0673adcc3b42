"""Device ingest: an IoT topic rule hands each QR scan to this function, which POSTs it to the app.

Python 3.12, stdlib + boto3, handler ``handler.handler``. The rule's SQL is
``SELECT *, topic(4) AS thingName FROM '<app>/<stage>/scans/+'``, so the event is the scanner's
JSON payload plus ``thingName`` (the publishing thing: IoT policies only let a scanner publish to
its own topic). The scan goes to ``API_URL`` (the app's ``/api/fast_parent_scan`` behind
CloudFront) as JSON with the headers ``X-Device-Api-Key`` (read from Secrets Manager
``API_KEY_SECRET_ARN`` once per container) and ``X-Device-Id``.

No scan is ever dropped: each one is delivered, retried, or put on the dead-letter queue
(``DEAD_LETTER_QUEUE_URL``, alarmed on its depth). The rule invokes this function asynchronously,
so raising makes Lambda retry the event (``maximum_retry_attempts``) and then hand it to the
function's on-failure destination, the same queue.

* 2xx: delivered.
* 401/403: the container's cached key may predate a rotation: refresh it once and resend. A
  second 401/403 is retried too (the app and the secret do not switch keys at the same instant).
* 3xx: not followed. A redirect would send the device key to wherever ``Location`` points, and
  urllib turns a redirected POST into a body-less GET (a "delivered" scan that the app never
  got). It means ``API_URL`` is wrong: retried, then dead-lettered, and the alarm says so.
* 404 (a route missing while a deploy shifts traffic), 408 (RFC 9110 15.5.9: the client may
  repeat the request), 409 (a conflict with the resource's current state, which changes), 425
  (RFC 8470 5.2: retry once the request is no longer early), 429 and 5xx: retried.
* Other 4xx (400, 413, 422, ...): the app rejects this scan as it is; resending cannot change
  that, so it goes to the dead-letter queue at once with the app's answer, for an operator to
  fix and redrive.
* Socket errors (timeout, reset, refused, TLS, a truncated response): retried.
* An event that is not a scan (not an object, no valid ``thingName``): dead-lettered.

Should the dead-letter send itself fail, the error is raised so Lambda retries the event and its
on-failure destination still catches it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

_THING = re.compile(r"^[a-zA-Z0-9:_-]{1,128}$")
_api_key: str | None = None  # cached per container
SOURCE = "cutover-device-ingest"
MAX_BODY_CHARS = 500

# Statuses worth another attempt (see the module docstring); 3xx and 5xx are retried as classes.
RETRY_STATUSES = frozenset({401, 403, 404, 408, 409, 425, 429})
KEY_STATUSES = frozenset({401, 403})

Opener = Callable[[urllib.request.Request, float], Any]


class RetryableError(RuntimeError):
    """The app or the network failed: Lambda retries, then the event goes to the dead-letter queue."""


def _log(**fields: Any) -> None:
    print(json.dumps(fields, sort_keys=True, default=str))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Surface a 3xx as an HTTPError instead of following it (see the module docstring)."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _default_opener(request: urllib.request.Request, timeout: float) -> Any:
    return _OPENER.open(request, timeout=timeout)  # API_URL is checked to be https


def _fetch_key(secrets_client: Any | None = None) -> str:
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    value = secrets_client.get_secret_value(SecretId=os.environ["API_KEY_SECRET_ARN"])["SecretString"]
    return str(value).strip()


def api_key(secrets_client: Any | None = None, *, refresh: bool = False) -> str:
    global _api_key
    if _api_key is None or refresh:
        _api_key = _fetch_key(secrets_client)
    return _api_key


def _read(response: Any) -> str:
    """The response body for the log, or "" when reading it fails (the status is what counts)."""
    try:
        return str(response.read().decode("utf-8", "replace"))[:MAX_BODY_CHARS]
    except (OSError, http.client.HTTPException, AttributeError):
        return ""


def _post(url: str, body: bytes, key: str, thing: str, timeout: float, opener: Opener) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Device-Api-Key": key, "X-Device-Id": thing,
        "User-Agent": "cutover-device-ingest/1"})
    try:
        response = opener(request, timeout)
    except urllib.error.HTTPError as exc:  # any status urllib does not treat as success (3xx here too)
        return int(exc.code), _read(exc) if exc.fp else ""
    except (OSError, http.client.HTTPException) as exc:
        # URLError, TimeoutError, ConnectionResetError, ssl.SSLError are OSErrors; RemoteDisconnected
        # and IncompleteRead are HTTPExceptions: the network failed, not the scan.
        raise RetryableError(f"POST {url} failed: {type(exc).__name__}: {exc}") from exc
    return int(response.status), _read(response)


def outcome(status: int, *, key_refreshed: bool) -> str:
    """``delivered`` | ``refresh-key`` | ``retry`` | ``dead-letter`` for an HTTP status."""
    if 200 <= status < 300:
        return "delivered"
    if status in KEY_STATUSES and not key_refreshed:
        return "refresh-key"
    if 300 <= status < 400 or status in RETRY_STATUSES or status >= 500 or status < 200:
        return "retry"
    return "dead-letter"  # the remaining 4xx


def dead_letter(event: object, reason: str, *, status: int | None = None, app_response: str = "",
                sqs_client: Any | None = None) -> dict[str, Any]:
    """Put the scan on the dead-letter queue; raise RetryableError when that fails."""
    if sqs_client is None:
        import boto3

        sqs_client = boto3.client("sqs")
    message = {"source": SOURCE, "reason": reason, "httpStatus": status, "appResponse": app_response,
               "event": event}
    try:
        sent = sqs_client.send_message(QueueUrl=os.environ["DEAD_LETTER_QUEUE_URL"],
                                       MessageBody=json.dumps(message, default=str, sort_keys=True))
    except Exception as exc:  # any failure: Lambda's retries and on-failure destination take over
        raise RetryableError(f"the scan could not be dead-lettered ({reason}): {exc}") from exc
    _log(level="WARN", message="scan dead-lettered", reason=reason, status=status, body=app_response,
         messageId=sent.get("MessageId"))
    return {"status": "dead-lettered", "reason": reason, "httpStatus": status}


def handler(event: Mapping[str, Any], context: Any = None, *, opener: Opener | None = None,
            secrets_client: Any | None = None, sqs_client: Any | None = None) -> dict[str, Any]:
    url = os.environ["API_URL"]
    if not url.startswith("https://"):
        raise ValueError("API_URL must be an https:// URL")
    timeout = float(os.environ.get("HTTP_TIMEOUT_SECONDS", "8"))
    send = opener or _default_opener
    if not isinstance(event, Mapping):
        return dead_letter(event, "the event is not a JSON object", sqs_client=sqs_client)
    thing = str(event.get("thingName", ""))
    if not _THING.match(thing):
        return dead_letter(dict(event), "the event has no valid thingName", sqs_client=sqs_client)
    scan = {k: v for k, v in event.items() if k != "thingName"}
    body = json.dumps({"deviceId": thing, "scan": scan}, separators=(",", ":")).encode()

    status, text = _post(url, body, api_key(secrets_client), thing, timeout, send)
    result = outcome(status, key_refreshed=False)
    if result == "refresh-key":  # the key may have been rotated since this container cached it
        status, text = _post(url, body, api_key(secrets_client, refresh=True), thing, timeout, send)
        result = outcome(status, key_refreshed=True)
    if result == "delivered":
        _log(level="INFO", message="scan delivered", thing=thing, status=status)
        return {"status": "delivered", "httpStatus": status}
    if result == "retry":
        _log(level="ERROR", message="scan not accepted yet, will retry", thing=thing, status=status, body=text)
        raise RetryableError(f"the app answered {status}")
    return dead_letter(dict(event), f"the app rejected the scan with {status}", status=status, app_response=text,
                       sqs_client=sqs_client)
