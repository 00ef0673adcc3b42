"""Record every AWS call made while a handler runs, through botocore's event hooks.

``Recorder`` is a context manager. While it is open, every botocore client created by any session
(``boto3.client(...)`` in a handler, a client a test passes in) gets two hooks:

* ``provide-client-params.*.*``: the operation model and the API parameters as the caller gave
  them, recorded as a ``RecordedCall`` (service prefix from the model's ``signingName``);
* ``before-call.*.*``: optional fault injection. ``fail(operation, code)`` makes matching calls
  answer with that AWS error instead of reaching moto, so a scenario can drive a handler down its
  error paths. The call is still recorded: the request was made and AWS would authorize it first.

The recorder knows the account and region the calls run in (moto's default account, the region
of each client) so ``iam_rules.request_for`` can build ARNs identical to the plan's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse
from moto.core import DEFAULT_ACCOUNT_ID

from tests.contract.iam_rules import AuthzRequest, request_for, service_prefix


@dataclass(frozen=True)
class RecordedCall:
    prefix: str  # IAM service prefix ("elasticloadbalancing" for the elbv2 client)
    service: str  # botocore service name ("elbv2")
    operation: str  # API operation ("ModifyListener")
    params: Mapping[str, Any]
    region: str
    account: str
    injected_error: str | None = None

    def authz(self) -> AuthzRequest:
        return request_for(self.prefix, self.operation, self.params, self.region, self.account,
                           origin=f"handler {self.service}.{self.operation}")

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}" + (f" (answered {self.injected_error})" if self.injected_error
                                                     else "")


@dataclass
class _Fault:
    operation: str  # "Service.Operation" or "Operation"
    code: str
    status: int
    times: int | None  # None: every matching call


@dataclass
class Recorder:
    account: str = DEFAULT_ACCOUNT_ID
    calls: list[RecordedCall] = field(default_factory=list)
    _faults: list[_Fault] = field(default_factory=list)

    def fail(self, operation: str, code: str = "AccessDeniedException", status: int = 400,
             times: int | None = None) -> None:
        """Answer matching calls with an AWS error (``Operation`` or ``service.Operation``)."""
        self._faults.append(_Fault(operation, code, status, times))

    def clear(self) -> None:
        self.calls.clear()
        self._faults.clear()

    def requests(self) -> list[AuthzRequest]:
        return [c.authz() for c in self.calls]

    # --- hooks -------------------------------------------------------------------------------------
    def attach(self, client: Any) -> Any:
        """Record (and maybe fail) the calls of one client; idempotent."""
        if getattr(client, "_contract_recorder", None) is self:
            return client
        region = str(client.meta.region_name)

        def record(params: Mapping[str, Any], model: Any, **_: Any) -> None:
            self.calls.append(RecordedCall(
                prefix=service_prefix(model.service_model.metadata), service=model.service_model.service_name,
                operation=model.name, params=copy.deepcopy(dict(params)), region=region, account=self.account))

        client.meta.events.register("provide-client-params.*.*", record)
        client.meta.events.register_first("before-call.*.*", self._inject)
        client._contract_recorder = self
        return client

    def _inject(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        service = model.service_model.service_name
        for fault in self._faults:
            if fault.operation not in (model.name, f"{service}.{model.name}") or fault.times == 0:
                continue
            if fault.times is not None:
                fault.times -= 1
            last = self.calls[-1]
            self.calls[-1] = RecordedCall(last.prefix, last.service, last.operation, last.params, last.region,
                                          last.account, injected_error=fault.code)
            parsed = {"Error": {"Code": fault.code, "Message": f"injected by the contract test: {fault.code}"},
                      "ResponseMetadata": {"HTTPStatusCode": fault.status}}
            return AWSResponse("https://contract.invalid", fault.status, {}, None), parsed  # type: ignore[arg-type]
        return None


@contextmanager
def recording(account: str = DEFAULT_ACCOUNT_ID) -> Iterator[Recorder]:
    """Record the calls of every botocore client created while open (and of those ``attach``-ed)."""
    recorder = Recorder(account=account)
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        return recorder.attach(original(self, *args, **kwargs))

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]
