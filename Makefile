# Two commands for a fresh machine: `make book` and `make test`.
# Both create the virtual environment .venv/ from requirements.txt when it is
# missing or older than requirements.txt / pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test env lint format student-book clean

$(STAMP): requirements.txt pyproject.toml
	@echo "Creating the course environment in $(VENV)/ (first time: about a minute)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)
	@echo "Environment ready: $(VENV)/"

env: $(STAMP)

book: $(STAMP)
	@if [ ! -f _toc.yml ]; then \
	  echo "The environment is built; the book has no chapters yet (_toc.yml is missing)."; \
	else \
	  $(BIN)/jupyter-book build . --builder html -W -n --keep-going && \
	  echo "Open _build/html/index.html"; \
	fi

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf _build
