"""Device ingest: an IoT topic rule hands each QR scan to this function, which POSTs it to the app.

Python 3.12, stdlib + boto3, handler ``handler.handler``. The rule's SQL is
``SELECT *, topic(4) AS thingName FROM '<app>/<stage>/scans/+'``, so the event is the scanner's
JSON payload plus ``thingName`` (the publishing thing: IoT policies only let a scanner publish to
its own topic). The scan goes to ``API_URL`` (the app's ``/api/fast_parent_scan`` behind
CloudFront) as JSON with the headers ``X-Device-Api-Key`` (read from Secrets Manager
``API_KEY_SECRET_ARN`` once per container) and ``X-Device-Id``.

Outcomes: 2xx returns a summary; 401/403 refreshes the key once (it may have been rotated) and
retries; other 4xx are the scan's fault and are logged and dropped (retrying cannot fix them); 5xx,
429 and network errors raise, so Lambda retries the asynchronous invocation and finally sends the
event to the dead-letter queue.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

_THING = re.compile(r"^[a-zA-Z0-9:_-]{1,128}$")
_api_key: str | None = None  # cached per container


class Response(Protocol):
    status: int

    def read(self) -> bytes: ...


Opener = Callable[[urllib.request.Request, float], Any]


class RetryableError(RuntimeError):
    """The app or the network failed: Lambda retries, then the event goes to the dead-letter queue."""


def _log(**fields: Any) -> None:
    print(json.dumps(fields, sort_keys=True, default=str))


def _default_opener(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)  # API_URL is checked to be https


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


def _post(url: str, body: bytes, key: str, thing: str, timeout: float, opener: Opener) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Device-Api-Key": key, "X-Device-Id": thing,
        "User-Agent": "cutover-device-ingest/1"})
    try:
        response = opener(request, timeout)
        return int(response.status), response.read().decode("utf-8", "replace")[:500]
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")[:500] if exc.fp else ""
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise RetryableError(f"POST {url} failed: {exc}") from exc


def handler(event: Mapping[str, Any], context: Any = None, *, opener: Opener | None = None,
            secrets_client: Any | None = None) -> dict[str, Any]:
    url = os.environ["API_URL"]
    if not url.startswith("https://"):
        raise ValueError("API_URL must be an https:// URL")
    timeout = float(os.environ.get("HTTP_TIMEOUT_SECONDS", "8"))
    send = opener or _default_opener
    if not isinstance(event, Mapping):
        _log(level="WARN", message="dropped: the event is not a JSON object")
        return {"status": "dropped", "reason": "not an object"}
    thing = str(event.get("thingName", ""))
    if not _THING.match(thing):
        _log(level="WARN", message="dropped: no valid thingName", thing=thing[:130])
        return {"status": "dropped", "reason": "no thingName"}
    scan = {k: v for k, v in event.items() if k != "thingName"}
    body = json.dumps({"deviceId": thing, "scan": scan}, separators=(",", ":")).encode()

    status, text = _post(url, body, api_key(secrets_client), thing, timeout, send)
    if status in (401, 403):  # the key may have been rotated since this container cached it
        status, text = _post(url, body, api_key(secrets_client, refresh=True), thing, timeout, send)
    if 200 <= status < 300:
        _log(level="INFO", message="scan delivered", thing=thing, status=status)
        return {"status": "delivered", "httpStatus": status}
    if status == 429 or status >= 500:
        _log(level="ERROR", message="app unavailable, will retry", thing=thing, status=status, body=text)
        raise RetryableError(f"the app answered {status}")
    _log(level="WARN", message="scan rejected by the app, dropped", thing=thing, status=status, body=text)
    return {"status": "rejected", "httpStatus": status}
