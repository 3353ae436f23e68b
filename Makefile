PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run sample-report test lint audit deploy-check format bench bench-pages bench-load messages clean lock

# Every install comes from requirements.lock (exact versions of everything, with the test
# tools and the Redis client); pyproject.toml keeps the ranges the lock is made from.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Refresh requirements.lock from the ranges in pyproject.toml (newest versions that fit,
## for Python 3.11 on any platform); then `make test` installs and checks them.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv>=0.5"
	$(BIN)/uv pip compile pyproject.toml --extra test --extra redis --universal \
		--python-version 3.11 --upgrade -o requirements.lock

## Run the app on http://127.0.0.1:8000 with SQLite, the full and the quick check and a demo login,
## and a background worker (PDFs, mails) beside it that stops with the server.
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_questionnaire assessment/content/reifegrad-kmu.yaml \
		assessment/content/reifegrad-schnellcheck.yaml
	$(BIN)/python manage.py create_demo_user
	$(BIN)/python manage.py run_worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:8000

## The sample report (German and English) from built-in sample answers, into build/.
sample-report: export DEBUG ?= 1
sample-report: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_questionnaire assessment/content/reifegrad-kmu.yaml
	$(BIN)/python manage.py sample_report --output-dir build

## Run every test: unit and view tests, then the browser tests in their own run.
## With DATABASE_URL set they run on that database (PostgreSQL in CI).
test: $(STAMP)
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(BIN)/python -m pytest --ignore=tests/e2e
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(BIN)/python -m pytest tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

## Known vulnerabilities in the installed dependencies, from PyPI's records via pip-audit (the app
## itself is skipped). Where PyPI has no record for the installed release, the newest release's
## record is used if that is the installed one; other packages are listed as not audited.
## AUDIT_STRICT=1 also fails when packages could not be audited.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

## The production settings pass Django's deployment checks without a single warning.
deploy-check: $(STAMP)
	DEBUG=0 SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
		ALLOWED_HOSTS=check.example.de SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000 \
		SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## In-process benchmarks: scoring, roadmap and the PDF report (about a minute).
bench: $(STAMP)
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/pdf.py

## Page speed against gunicorn, as a share of a trivial view (a few minutes; needs PostgreSQL
## for BENCH_DATABASE=both or postgres).
BENCH_DATABASE ?= both
bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py --database $(BENCH_DATABASE)

## 50 people doing the whole journey for 60 seconds against gunicorn: without pauses (the
## worst case), then as people who read (2 s between requests, arriving over 10 s); about
## 15 minutes for both databases.
bench-load: $(STAMP)
	$(BIN)/python bench/load.py --database $(BENCH_DATABASE)
	$(BIN)/python bench/load.py --database $(BENCH_DATABASE) --think 2 --ramp 10

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

## Refresh the translation catalogues after changing UI texts (needs GNU gettext).
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l en -l de --ignore=.venv --ignore=static --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv
