# Cutover: every target works on a fresh machine; the first one creates .venv from requirements.txt.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STACK   ?= dev
PROFILE ?=
ARGS    ?=

.PHONY: plan test lint check clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## plan: offline plan of a stack (resources, policy verdicts, monthly cost), e.g. make plan STACK=prod PROFILE=yoga-serverless
plan: $(VENV)/.installed
	$(PY) -m cutover.plan $(STACK) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

## test: the whole test suite (unit, component, profile, policy, handler tests)
test: $(VENV)/.installed
	$(PY) -m pytest -n 2

## lint: ruff everywhere, mypy on the typed packages
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy components policy cutover functions

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
