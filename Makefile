# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev migrate demo messages lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The NL Design System CSS for the pages and axe-core for the browser tests (package.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_seeds
	$(BIN)/python manage.py load_demo_progress
	$(BIN)/python manage.py load_demo_users

run: demo
	@echo "Serving on http://$(HOST)/ (admin: http://$(HOST)/admin/)"
	$(BIN)/python manage.py runserver $(HOST)

# Runs on SQLite by default; on PostgreSQL when DATABASE_URL points to one (as in CI).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

messages: install
	$(BIN)/python manage.py makemessages -l nl -l en --no-obsolete --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache node_modules
