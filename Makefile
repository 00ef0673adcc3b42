# Cutover: every target works on a fresh machine; the first one creates .venv from requirements.txt.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STACK   ?= dev
PROFILE ?=
ARGS    ?=
REPORT  ?=
# one mypy run per root: policy/ and deployments/ are separate Pulumi projects with their own __main__
MYPY_ROOTS := "components cutover" policy functions deployments

.PHONY: plan test lint check clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## plan: offline plan of a stack (resources, policy verdicts, monthly cost), e.g. make plan STACK=prod PROFILE=yoga-serverless
plan: $(VENV)/.installed
	$(PY) -m cutover.plan $(STACK) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

## test: the whole test suite (unit, component, profile, policy, handler tests); worksteal: a worker that
## runs out of tests takes queued ones from the other, so a slow file at the end does not leave one core idle
test: $(VENV)/.installed
	$(PY) -m pytest -n 2 --dist worksteal

## lint: ruff everywhere, mypy on the typed packages
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	for root in $(MYPY_ROOTS); do $(VENV)/bin/mypy $$root || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: promote promote-check rollback ack

## promote: if every gate passes (soak, alarms, green vs blue, smoke test), move cutover:greenWeight to the next stage in Pulumi.$(STACK).yaml and show the plan diff; ARGS='--force --reason "..."' overrides (recorded in promotions/)
promote: $(VENV)/.installed
	$(PY) -m cutover.promote promote $(STACK) $(ARGS)

## promote-check: the promotion gates only (CI): exit 0 go, 1 no-go; REPORT=file also writes the Markdown evidence
promote-check: $(VENV)/.installed
	$(PY) -m cutover.promote promote $(STACK) --check $(if $(REPORT),--report $(REPORT))

## rollback: set cutover:greenWeight back to 0 in Pulumi.$(STACK).yaml and show the plan diff
rollback: $(VENV)/.installed
	$(PY) -m cutover.promote rollback $(STACK)

## ack: acknowledge automatic rollback ID so promotion may resume, e.g. make ack STACK=prod ID=3f2a...
ack: $(VENV)/.installed
	$(PY) -m cutover.promote ack $(STACK) $(ID)

.PHONY: bench bench-peer bench-instructions
## bench-peer: the offline plan of pos-serverless prod beside its CDK + cdk-nag peer (CPU ratio, cold run), e.g. make bench-peer ARGS="--runs 9"
bench-peer: $(VENV)/.installed
	$(PY) -m cutover.plan.peer $(ARGS)

## bench-instructions: instructions per warm plan under valgrind's callgrind, a figure the host's speed does not move (needs valgrind), e.g. make bench-instructions ARGS="--profile tracetrack-ecs"
bench-instructions: $(VENV)/.installed
	$(PY) -m cutover.plan.instructions $(ARGS)

## bench: how plan time grows with the number of serverless services (10, 50, 200; not a test), e.g. make bench ARGS="--services 5,20"
bench: $(VENV)/.installed
	$(PY) -m cutover.plan.bench $(ARGS)

.PHONY: docs schema
## docs: regenerate the README's per-profile diagrams and cost table from the offline plans, and what `schema` makes
docs: $(VENV)/.installed schema
	$(PY) -m cutover.plan.docs

## schema: regenerate schema/profile.schema.json, docs/profile-reference.md and Pulumi.yaml's config block
schema: $(VENV)/.installed
	$(PY) -m cutover.config.schema

.PHONY: bench-verify
## bench-verify: data verifier speed and memory, PostgreSQL -> PostgreSQL over 100k and 1M rows (not a test), e.g. make bench-verify ARGS="--rows 50000"
bench-verify: $(VENV)/.installed
	$(PY) -m cutover.bench_verify $(ARGS)
