# Each target creates .venv itself when it is missing (or when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo play test fuzz bench bench-play bench-live browser lint typecheck clean

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

# The long fuzz campaign (issue 20): FUZZ_EXAMPLES fresh cases per surface; the report goes
# to fuzz.json (glassnet's files, CSV, npy/npz) and fuzz.surfaces.json (the rest).
FUZZ_EXAMPLES ?= 3000
fuzz: $(STAMP)
	GLASSNET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) GLASSNET_FUZZ_REPORT=fuzz.json \
		$(VENV)/bin/pytest -q -p no:cacheprovider tests/test_fuzz_files.py \
		tests/test_fuzz_surfaces.py

bench: $(VENV)/.installed-bench browser
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.population
	$(PY) -m benchmarks.play
	$(PY) -m benchmarks.live

# LiveView's cost on fit (course digits model, in a Jupyter kernel; also run by make bench).
bench-live: $(STAMP)
	$(PY) -m benchmarks.live

# The playground's frames and steps per second in headless Chromium (also run by make bench).
bench-play: $(STAMP) browser
	$(PY) -m benchmarks.play

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
