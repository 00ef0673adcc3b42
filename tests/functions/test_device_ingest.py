"""Device ingest against a real HTTPS server on 127.0.0.1: every status class ends delivered, retried or dead-lettered.

The handler's own opener (urllib with redirects disabled) talks TLS to a local ``http.server``
with a throwaway self-signed certificate; only the trust store is swapped. Expectations come from
the semantics of each status (RFC 9110; RFC 8470 for 425; RFC 6585 for 429) and from Lambda's
asynchronous invocation rules (an error raised is retried, then sent to the on-failure
destination), as the handler's docstring lays out:

delivered: 2xx; retried (RetryableError): 3xx, 401/403 after one key refresh, 404, 408, 409, 425,
429, 5xx, timeouts, resets, refused connections; dead-lettered at once: the other 4xx.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import socket
import ssl
import struct
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from functions.device_ingest import handler as ingest

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/tracetrack-prod-device-ingest-dlq"
SCAN = {"qr": "PARENT-123", "thingName": "scanner-7"}


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class App(http.server.ThreadingHTTPServer):
    """Answers each POST with the next scripted reply: a status, "timeout", or "reset".

    One server serves the whole module; ``reset`` gives each test an empty script and request log."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.script: list[int | str] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.released = threading.Event()  # set when the test ends: a "timeout" reply stops waiting

    def reset(self) -> None:
        self.script, self.requests = [], []
        self.released.clear()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: App

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), body))
        reply = self.server.script.pop(0)
        if reply == "timeout":
            # No answer before the test is over, so longer than any client timeout (no fixed sleep).
            self.server.released.wait(30)
            return
        if reply == "reset":  # RST instead of an answer: SO_LINGER on, zero seconds
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        assert isinstance(reply, int)
        payload = json.dumps({"status": reply}).encode()
        self.send_response(reply)
        if 300 <= reply < 400:
            self.send_header("Location", "https://elsewhere.example.com/api/fast_parent_scan")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@pytest.fixture(scope="module")
def server(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> Iterator[App]:
    """One HTTPS server for the module: starting and stopping one per test cost 0.5 s each
    (``shutdown`` waits out ``serve_forever``'s poll interval, 0.5 s by default)."""
    server = App(tls[0])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(server: App, tls: tuple[ssl.SSLContext, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    client_ctx = tls[1]
    server.reset()
    # The handler's own opener, with only the trust store swapped for the throwaway certificate.
    monkeypatch.setattr(ingest, "_OPENER", urllib.request.build_opener(
        ingest._NoRedirect, urllib.request.HTTPSHandler(context=client_ctx)))
    monkeypatch.setenv("API_URL", f"https://127.0.0.1:{server.server_address[1]}/api/fast_parent_scan")
    monkeypatch.setenv("API_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", QUEUE_URL)
    monkeypatch.setenv("HTTP_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setattr(ingest, "_api_key", None)
    yield server
    server.released.set()  # a "timeout" reply still waiting ends now


class Secrets:
    def __init__(self, *values: str) -> None:
        self.values, self.calls = list(values), 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3 name)
        self.calls += 1
        return {"SecretString": self.values[min(self.calls, len(self.values)) - 1]}


class Queue:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.messages = fail, []  # type: ignore[var-annotated]

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, str]:  # noqa: N803 (boto3 names)
        if self.fail:
            raise RuntimeError("AccessDenied")
        self.messages.append((QueueUrl, json.loads(MessageBody)))
        return {"MessageId": "m-1"}


def run(app: App, *script: int | str, secrets: Secrets | None = None, queue: Queue | None = None
        ) -> dict[str, Any] | BaseException:
    app.script = list(script)
    try:
        return ingest.handler(dict(SCAN), secrets_client=secrets or Secrets("k1", "k2"), sqs_client=queue or Queue())
    except Exception as exc:
        return exc
    finally:
        assert app.script == [], f"unused replies: {app.script}"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered_with_key_and_device_id(app: App, status: int) -> None:
    queue = Queue()
    assert run(app, status, queue=queue) == {"status": "delivered", "httpStatus": status}
    (path, headers, body), = app.requests
    assert path == "/api/fast_parent_scan" and headers["X-Device-Api-Key"] == "k1"
    assert headers["X-Device-Id"] == "scanner-7"
    assert json.loads(body) == {"deviceId": "scanner-7", "scan": {"qr": "PARENT-123"}}
    assert queue.messages == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_3xx_is_not_followed_and_is_retried(app: App, status: int) -> None:
    outcome = run(app, status)
    assert isinstance(outcome, ingest.RetryableError) and str(status) in str(outcome)
    assert len(app.requests) == 1  # the device key never went to the Location


@pytest.mark.parametrize("first", [401, 403])
def test_401_403_refresh_the_key_once_then_deliver(app: App, first: int) -> None:
    secrets = Secrets("old", "new")
    assert run(app, first, 200, secrets=secrets) == {"status": "delivered", "httpStatus": 200}
    assert [h["X-Device-Api-Key"] for _, h, _ in app.requests] == ["old", "new"] and secrets.calls == 2


@pytest.mark.parametrize("first,second", [(401, 401), (403, 403), (401, 403)])
def test_401_403_after_the_refresh_are_retried_not_dropped(app: App, first: int, second: int) -> None:
    queue = Queue()
    outcome = run(app, first, second, queue=queue)
    assert isinstance(outcome, ingest.RetryableError) and queue.messages == []
    assert len(app.requests) == 2


@pytest.mark.parametrize("status", [404, 408, 409, 425, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(app: App, status: int) -> None:
    queue = Queue()
    outcome = run(app, status, queue=queue)
    assert isinstance(outcome, ingest.RetryableError) and str(status) in str(outcome)
    assert queue.messages == []


@pytest.mark.parametrize("status", [400, 405, 410, 413, 415, 422])
def test_other_4xx_go_to_the_dead_letter_queue_at_once(app: App, status: int) -> None:
    queue = Queue()
    assert run(app, status, queue=queue) == {"status": "dead-lettered", "httpStatus": status,
                                            "reason": f"the app rejected the scan with {status}"}
    (url, message), = queue.messages
    assert url == QUEUE_URL
    assert message["event"] == SCAN and message["httpStatus"] == status
    assert json.loads(message["appResponse"]) == {"status": status}


def test_a_failed_dead_letter_send_is_retried(app: App) -> None:
    assert isinstance(run(app, 400, queue=Queue(fail=True)), ingest.RetryableError)


@pytest.mark.parametrize("reply", ["timeout", "reset"])
def test_socket_timeout_and_reset_are_retried(app: App, reply: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The "timeout" reply never answers while the test runs: a shorter client timeout proves the same.
    monkeypatch.setenv("HTTP_TIMEOUT_SECONDS", "0.25")
    outcome = run(app, reply)
    assert isinstance(outcome, ingest.RetryableError)


def test_connection_refused_is_retried(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setenv("API_URL", f"https://127.0.0.1:{port}/api/fast_parent_scan")
    assert isinstance(run(app), ingest.RetryableError)


@pytest.mark.parametrize("event", [[1, 2], {"qr": "x"}, {"qr": "x", "thingName": "bad name/../"}])
def test_an_event_that_is_not_a_scan_is_dead_lettered(app: App, event: Any) -> None:
    queue = Queue()
    result = ingest.handler(event, secrets_client=Secrets("k"), sqs_client=queue)
    assert result["status"] == "dead-lettered" and app.requests == []
    assert queue.messages[0][1]["event"] == event


def test_the_default_opener_does_not_follow_redirects() -> None:
    """The module's opener is built with the redirect handler that declines every redirect."""
    installed = ingest._OPENER.handlers  # type: ignore[attr-defined]
    handlers = [h for h in installed if isinstance(h, urllib.request.HTTPRedirectHandler)]
    assert handlers and all(isinstance(h, ingest._NoRedirect) for h in handlers)
