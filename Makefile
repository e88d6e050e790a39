# Two commands for a fresh machine with only Python 3.11+ and make: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# uv installs the pinned dependencies in a third of pip's time (13 s against 45 on a clean
# clone): a tool of the install only, so pinned here rather than among the project's own.
UV := uv==0.13.10

.PHONY: run run-sso test lint schema bench bench-reminders bench-tenants

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(UV)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

# The embedded default: SQLite, demo data, development key, and a Celery worker with beat on
# a folder broker (no Redis needed) whose emails land in demo-mail/; Contoso connected to a
# sandbox tenant (tests/tenant_sandbox.py: the tests' stand-in for Entra and Graph, on
# SANDBOX_PORT, its CA in .sandbox/). Safe to run again.
SANDBOX_PORT ?= 8443
SANDBOX_URL := https://127.0.0.1:$(SANDBOX_PORT)
# Contoso's tenant, as `make run-sso` names it; one app registration holds the three tiers.
SANDBOX_TENANT := b05aafed-15fd-5db6-8981-4fa0293ccc6a
SANDBOX_APP := fasttrack-sandbox-app
SANDBOX_SECRET := sandbox-only-secret
run: export DEBUG := true
run: export EMAIL_URL ?= filemail:///demo-mail
run: export GRAPH_API_BASE := $(SANDBOX_URL)
run: export ENTRA_AUTHORITY_HOST := $(SANDBOX_URL)
run: export ENTRA_CA_FILE := .sandbox/ca.pem
run: export TENANT_APP_IDENTITY_CLIENT_ID := $(SANDBOX_APP)
run: export TENANT_APP_INTUNE_CLIENT_ID := $(SANDBOX_APP)
run: export TENANT_APP_SENSITIVE_CLIENT_ID := $(SANDBOX_APP)
run: export TENANT_APP_IDENTITY_SECRET := $(SANDBOX_SECRET)
run: export TENANT_APP_INTUNE_SECRET := $(SANDBOX_SECRET)
run: export TENANT_APP_SENSITIVE_SECRET := $(SANDBOX_SECRET)
run: $(INSTALLED)
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalogue
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py engagement_status --rebuild
	mkdir -p .celery/queue demo-mail .sandbox
	rm -f .sandbox/ready
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops it); emails go to demo-mail/;"
	@echo "Contoso's tenant is a sandbox at $(SANDBOX_URL) (tests/tenant_sandbox.py)"
	# requests would trust a CA bundle named in the environment over the sandbox's own.
	unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE; \
	  $(BIN)/python -m tests.tenant_sandbox --port $(SANDBOX_PORT) --folder .sandbox --demo \
	    --tenant-id $(SANDBOX_TENANT) --client-id $(SANDBOX_APP) --client-secret $(SANDBOX_SECRET) \
	    > .sandbox/sandbox.log 2>&1 & sandbox=$$!; \
	  trap 'kill $$sandbox $$worker 2>/dev/null; wait' EXIT INT TERM; \
	  while [ ! -e .sandbox/ready ]; do \
	    kill -0 $$sandbox 2>/dev/null || { cat .sandbox/sandbox.log; exit 1; }; sleep 0.2; \
	  done; \
	  $(BIN)/celery -A fasttrack worker --beat --loglevel=INFO --concurrency=1 \
	    --schedule=.celery/beat-schedule --logfile=.celery/worker.log & worker=$$!; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

# The demo with "Sign in with Microsoft" against a local stand-in for Entra ID (tests/entra.py);
# TRY_AS=msft signs in Marcos instead of Paula. No Celery worker: emails wait in the database.
run-sso: export DEBUG := true
run-sso: $(INSTALLED)
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalogue
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py engagement_status --rebuild
	$(BIN)/python -m tests.entra_try

lint: $(INSTALLED)
	$(BIN)/ruff check .

# The API's OpenAPI schema, committed: a test fails when the code and this file disagree.
schema: $(INSTALLED)
	DEBUG=true $(BIN)/python manage.py spectacular --lang en --validate --file docs/openapi.yaml

# Two workers by default: much of the suite waits on browsers, Celery workers and servers it
# starts, so two share even two cores well. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
# TEST_CLOCK runs the suite at another moment through libfaketime (Debian's faketime), e.g.
# TEST_CLOCK=+400d or TEST_CLOCK='@2028-02-29 08:00:00'; PYTEST_ARGS narrows the run.
TEST_CLOCK ?=
PYTEST_ARGS ?=
NEEDS_PANGO := The status report (PDF) and its tests need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0
test: lint
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || { echo "$(NEEDS_PANGO)" >&2; exit 1; }
	DJANGO_SETTINGS_MODULE=fasttrack.test_settings $(BIN)/python manage.py compile_translations
	$(if $(TEST_CLOCK),faketime -f '$(TEST_CLOCK)') $(BIN)/pytest --numprocesses=$(TEST_WORKERS) $(PYTEST_ARGS)

# Benchmarks use a PostgreSQL database of their own, which they flush; CREATE_DATABASE makes
# the one its URL names unless it exists.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fasttrack_bench
BENCH_TENANTS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fasttrack_bench_tenants
CREATE_DATABASE = $(BIN)/python -c 'import psycopg, sys; \
	  c = psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", autocommit=True); \
	  c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[1].rsplit("/", 1)[1]]).fetchone() \
	  or c.execute("CREATE DATABASE " + sys.argv[1].rsplit("/", 1)[1])'
bench-reminders: $(INSTALLED)
	$(CREATE_DATABASE) $(BENCH_DATABASE_URL)
	DATABASE_URL=$(BENCH_DATABASE_URL) SECRET_KEY=benchmark-only CELERY_BROKER_URL=memory:// LOG_LEVEL=WARNING \
	  $(BIN)/python benchmarks/reminders.py

# One tenant's Graph reading, then 1,000 tenants re-checked through beat's task by a real
# Celery worker (two processes) on a Redis of its own, against the tests' Graph stand-in;
# writes docs/benchmark-tenants.md. BENCH_TENANTS sets the fleet's size.
bench-tenants: $(INSTALLED)
	$(CREATE_DATABASE) $(BENCH_TENANTS_DATABASE_URL)
	DATABASE_URL=$(BENCH_TENANTS_DATABASE_URL) SECRET_KEY=benchmark-only CELERY_BROKER_URL=memory:// \
	  LOG_LEVEL=WARNING $(BIN)/python -m benchmarks.tenants

# Portfolio views, pages and ticks at 1,000, 10,000 and 100,000 engagements, over HTTP through
# gunicorn; writes docs/benchmarks.md.
bench: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=benchmarks.settings $(BIN)/python manage.py compile_translations
	$(BIN)/python -m benchmarks.pages
