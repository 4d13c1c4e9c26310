# Each target creates .venv itself when it is missing (or when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo play test bench bench-play browser lint typecheck clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,lab,play]"
	touch $@

# `make demo` and `make play` install only what they need (the lab's or the playground's
# extra); once `make test` installed everything (.installed-dev newer than pyproject.toml),
# they install nothing.
$(VENV)/.installed-%: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ ! $(STAMP) -nt pyproject.toml ]; then \
	  $(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q -e ".[$*]"; fi
	touch $@

$(VENV)/.installed-bench: $(STAMP) benchmarks/requirements.txt
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	touch $@

demo: $(VENV)/.installed-lab
	$(PY) -m glassnet tour --out glassnet-report

play: $(VENV)/.installed-play
	$(PY) -m glassnet play

# The playground's browser tests need Chromium (Debian's package; installed when missing).
browser:
	bash .ci/ensure-chromium

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks) $(wildcard examples)

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: $(STAMP) browser
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks) $(wildcard examples)
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

bench: $(VENV)/.installed-bench browser
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.population
	$(PY) -m benchmarks.play

# The playground's frames and steps per second in headless Chromium (also run by make bench).
bench-play: $(STAMP) browser
	$(PY) -m benchmarks.play

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
