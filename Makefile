# Two commands on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
# Installed first, so that the package's own range (torch>=2.1,<3) is already met and pip
# never reaches for a multi-GB CUDA build. Override with TORCH="torch==X" or TORCH= (skip).
TORCH ?= torch==2.13.0

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# In a checkout the history stays in data/ (git-ignored); an installed torchdrill keeps it in the
# user's data directory (torchdrill doctor says where).
run: $(VENV)/.installed
	$(VENV)/bin/torchdrill --db data/torchdrill.db

# Three workers on these 2-core machines: a third fills the time the others wait on subprocesses
# (sandboxes, CLI runs). worksteal: the tests' lengths are uneven.
test: lint
	$(PY) -m pytest -q -n 3 --dist worksteal

# The inner loop: everything but the tests marked slow (a Dask cluster, kill-and-resume, installs).
test-quick: lint
	$(PY) -m pytest -q -n 3 --dist worksteal -m "not slow"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check grader tui tests bench
	$(VENV)/bin/ruff format --check grader tui tests bench
	$(VENV)/bin/lint-imports

.PHONY: install run test test-quick lint
