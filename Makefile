# Two commands for a fresh machine: `make book` and `make test`.
# Both create the virtual environment .venv/ from requirements.txt when it is
# missing or older than requirements.txt / pyproject.toml.

PYTHON ?= python3

# One BLAS thread: the course's arrays are small, and on a 2-core machine several
# threads per process fight each other (chapters ran up to twice as slowly).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test env lint format release grade student-book clean pdf set-repo

# jupyter/downhill.json: settings of JupyterLab and Notebook 7 in this environment (a
# saved notebook keeps its widgets' state: a reopened explorer shows its last picture).
# jupyter/jupyter_server_config.json: the server keeps that state when a reopened
# notebook is saved without a kernel (course_utils/widgets/saved.py).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d
SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.d

$(STAMP): requirements.txt pyproject.toml
	@echo "Creating the course environment in $(VENV)/ (first time: about a minute)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)
	@echo "Environment ready: $(VENV)/"

# Its own target, so that an environment made some other way gets it too.
$(LAB_OVERRIDES)/downhill.json: jupyter/downhill.json | $(STAMP)
	@mkdir -p $(LAB_OVERRIDES) && cp jupyter/downhill.json $@

$(SERVER_CONFIG)/downhill.json: jupyter/jupyter_server_config.json | $(STAMP)
	@mkdir -p $(SERVER_CONFIG) && cp jupyter/jupyter_server_config.json $@

JUPYTER_SETTINGS := $(LAB_OVERRIDES)/downhill.json $(SERVER_CONFIG)/downhill.json

env: $(STAMP) $(JUPYTER_SETTINGS)

# Every edition of the book is staged and built by course_utils/grading/editions.py
# (README, "For instructors" and "The PDF edition"); an HTML build installs MathJax
# from npm on first use (the book loads nothing from a CDN).
EDITIONS := $(BIN)/python -m course_utils.grading.editions

book: $(STAMP)
	$(EDITIONS) html

test: $(STAMP) $(JUPYTER_SETTINGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Instructors: validate the exercises and write the student copies into release/;
# grade submissions/<student>/<notebook>.ipynb into grades/ (each kernel under bubblewrap;
# GRADE_FLAGS=--unsafe-no-sandbox where it is missing); build the book without
# solutions into _build/student/html. See README.md, "For instructors".
SUBMISSIONS ?= submissions
GRADES      ?= grades
JOBS        ?= 2
TIMEOUT     ?= 30
GRADE_FLAGS ?=

release: $(STAMP)
	$(BIN)/python -m course_utils.grading validate book/
	$(BIN)/python -m course_utils.grading release book/ release/

grade: $(STAMP)
	$(BIN)/python -m course_utils.grading grade book/ $(SUBMISSIONS) --out $(GRADES) \
	  --jobs $(JOBS) --timeout $(TIMEOUT) $(GRADE_FLAGS)

student-book: $(STAMP)
	$(EDITIONS) student

# The PDF edition (README, "The PDF edition"): _build/pdf/downhill.pdf, exercises
# without their solutions; SOLUTIONS=1 writes the instructor's
# _build/pdf/downhill-solutions.pdf. Needs TeX: without it this says what to install.
SOLUTIONS ?=

pdf: $(STAMP)
	@$(EDITIONS) pdf $(if $(filter 1 yes true,$(SOLUTIONS)),--solutions)

# A published copy of the course names its repository once (README, "Launch buttons"):
# make set-repo URL=https://github.com/<you>/<repo> [BRANCH=main] [HUB=https://your.hub]
# The launch buttons and every chapter's Colab cell follow; URL=none removes them.
BRANCH ?= main

set-repo: $(STAMP)
	@test -n "$(URL)" || { echo "usage: make set-repo URL=https://github.com/<you>/<repo> [BRANCH=main] [HUB=https://hub…] (URL=none: no buttons)"; exit 2; }
	@$(BIN)/python book/_ext/course_repository.py "$(URL)" --branch "$(BRANCH)" $(if $(HUB),--hub "$(HUB)")

clean:
	rm -rf _build
