"""``preTraffic:``: a one-off command green runs before it takes traffic (``manage.py migrate``,
``rails db:migrate``), by the deployment, once per deployed version, recorded for the promotion gate.

```yaml
preTraffic:
  service: api            # serverless: the service whose code, role and network run it; ECS: the container
  command: [python, manage.py, migrate, --noinput]
  timeoutSeconds: 600     # 1..840: the runner Lambda waits inside its own 900 s limit
```

Serverless: the service's new version is invoked with ``{"cutover": "pre-traffic", "command": [...]}`` (the
application dispatches it), so ``timeoutSeconds`` may not exceed that service's ``timeoutSeconds``. ECS: one
Fargate task of the service's task definition runs the command (container override). Every ``live`` alias
and ECS service of green waits for it (components/pre_traffic.py ``PreTrafficGate``): no traffic reaches the
new version or task definition before the command succeeded.
"""

from __future__ import annotations

from components.specs.pre_traffic import MAX_TIMEOUT_SECONDS
from components.specs.pre_traffic import PreTrafficConfig as PreTrafficConfig
from cutover.config.reader import Reader
from cutover.errors import ConfigError

MAX_ARGUMENTS = 64
MAX_ARGUMENT_CHARS = 1024


def parse_pre_traffic(r: Reader) -> PreTrafficConfig | None:
    """None when the profile has no ``preTraffic`` section."""
    if not r.keys():
        r.finish()
        return None
    service = r.string("service", describe="a service name")
    command = r.string_list("command")
    if not 1 <= len(command) <= MAX_ARGUMENTS or not all(0 < len(c) <= MAX_ARGUMENT_CHARS for c in command):
        raise ConfigError(r.key("command"), f"{len(command)} argument(s)", f"1..{MAX_ARGUMENTS} non-empty strings of "
                          f"at most {MAX_ARGUMENT_CHARS} characters, e.g. [python, manage.py, migrate, --noinput]")
    timeout = r.integer("timeoutSeconds", 600, minimum=1, maximum=MAX_TIMEOUT_SECONDS)
    r.finish()
    return PreTrafficConfig(service=service, command=tuple(command), timeout_seconds=timeout)


def check_pre_traffic(cfg: PreTrafficConfig | None, services: dict[str, int], variant: str,
                      required: bool) -> None:
    """``services``: green's services by name -> their timeout (ECS containers: 0, no limit of their own)."""
    if cfg is None:
        if required:
            raise ConfigError("promotion.gates.preTraffic", "is required, but the profile declares no preTraffic "
                              "task", "optional, or a preTraffic section")
        return
    if cfg.service not in services:
        raise ConfigError("preTraffic.service", f"{cfg.service!r} is not a service of green ({variant})",
                          " | ".join(sorted(services)) or "green has no services")
    limit = services[cfg.service]
    if limit and cfg.timeout_seconds > limit:
        raise ConfigError("preTraffic.timeoutSeconds", f"{cfg.timeout_seconds} s is longer than services."
                          f"{cfg.service}.timeoutSeconds ({limit} s): the function running the command would stop "
                          "first", f"1..{limit}, or a service with a longer timeout (kind worker: up to 900)")
