# Dropout, reproduced: the two commands of the README, and the steps behind them.
#
#   make book     set up .venv if needed, execute the notebooks at the book's budget,
#                 build the HTML book with warnings as errors, print where it is
#   make test     unit tests, strict nbval on every notebook, a smoke execution of every
#                 notebook, the book build and checks of the built HTML
#
# Variables: BUDGET (smoke | cpu | paper), DEVICE (auto | cpu | cuda | mps), PYTHON (the
# interpreter that creates .venv), TORCH (the torch requirement installed first).

PYTHON ?= python3
VENV   ?= .venv
BUDGET ?= cpu
DEVICE ?= auto
TORCH  ?= torch==2.13.0
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export OMP_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION = 1

.PHONY: book test install execute reproduce smoke nbval unit html check-html bench devdata clean

book: install execute html
	@echo "The book is at $(CURDIR)/_build/html/index.html"

test: install
	$(PY) tools/run_tests.py

install: $(STAMP)

$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

execute: install
	$(PY) tools/notebooks.py execute --budget $(BUDGET) --device $(DEVICE)

reproduce: install
	$(PY) tools/notebooks.py reproduce --budget $(BUDGET) --device $(DEVICE)

smoke: install
	$(PY) tools/run_tests.py smoke

nbval: install
	$(PY) tools/run_tests.py nbval

unit: install
	$(PY) tools/run_tests.py unit

html: install
	$(PY) tools/run_tests.py html

bench: install
	$(PY) benchmarks/bench_fit.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/bench_fit.py --threads 1 --epochs 2 \
		--sizes 784,1024,1024,1024,10 --json results/benchmarks/fit_table2_1thread.json
	OMP_NUM_THREADS=2 $(PY) benchmarks/bench_fit.py --threads 2 --epochs 2 \
		--sizes 784,1024,1024,1024,10 --json results/benchmarks/fit_table2_2threads.json

# A copy of the data sets inside the checkout (git-ignored), for tools/device_check.sh on a
# lent GPU machine, which receives only the working tree and the paths carried with it.
devdata:
	@test -n "$(DROPOUT_TUTORIAL_DATA)" || { echo "set DROPOUT_TUTORIAL_DATA"; exit 1; }
	rm -rf .devdata && cp -rL "$(DROPOUT_TUTORIAL_DATA)" .devdata && chmod -R u+w .devdata
	@du -sh .devdata

clean:
	rm -rf _build .pytest_cache
