# ordermill: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
DB     ?= sqlite:///ordermill.db

.PHONY: demo test lint format pytest bench bench-query bench-full bench-transfer screenshots openapi events-docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,otel]'
	touch $@

## demo: install, fill ordermill.db with sample orders, show some, then serve the REST API
## and the admin pages on http://127.0.0.1:$(PORT) with a fresh admin token (Ctrl+C stops)
PORT ?= 8000
demo: $(STAMP)
	$(BIN)/ordermill demo --database-url $(DB)
	$(BIN)/ordermill orders list --database-url $(DB) --limit 10
	@echo
	@echo "Admin token (Bearer token for /api/v1, sign-in for http://127.0.0.1:$(PORT)/admin/):"
	@$(BIN)/ordermill tokens create --role admin --label demo --database-url $(DB) | tail -n 1
	@echo "More: .venv/bin/ordermill --help, and the Tour in README.md"
	$(BIN)/ordermill serve --database-url $(DB) --port $(PORT)

## test: install with dev extras and run the whole suite (PostgreSQL too when
## ORDERMILL_TEST_DATABASE_URL is set, as .ci/run does)
test: $(STAMP)
	$(BIN)/pytest

## lint: ruff, mypy --strict and the import layers
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## openapi: regenerate docs/openapi.json, the committed REST contract (a test fails when stale)
openapi: $(STAMP)
	$(BIN)/python -c "from ordermill.api.write_openapi import main; main(['docs/openapi.json'])"

## events-docs: regenerate the event catalogue of docs/events.md and docs/events/schemas/
## from a real scenario (a test fails when they are stale)
events-docs: $(STAMP)
	$(BIN)/python -m tests.events.catalogue

## bench-query: W3, the listing benchmark on PostgreSQL (its own database, created when
## missing; the 1,000,000-order data set takes minutes to load once, then is reused).
## Smaller: make bench-query LISTING_ORDERS=20000 LISTING_RUNS=50
LISTING_URL    ?= postgresql://postgres@127.0.0.1:5432/ordermill_bench_listing
LISTING_ORDERS ?= 1000000
LISTING_RUNS   ?= 200
bench-query: $(STAMP)
	$(BIN)/python -m bench.query_bench --database-url $(LISTING_URL) \
		--orders $(LISTING_ORDERS) --runs $(LISTING_RUNS)

## bench: the performance suite at sizes that finish in under 10 minutes on 2 cores: W1 and
## W2 against the raw-SQL floor (1 and 8 clients), W1 over HTTP (serve --workers 2, 8 and 32
## connections), W1 and W2 on SQLite, W3 at 100,000 orders. Prints one table and rewrites
## its section of docs/performance.md. Needs the local PostgreSQL (databases ordermill_bench_*).
bench: $(STAMP)
	$(BIN)/python -m bench.run_all --size small

## bench-full: the same at the reference sizes of bench/WORKLOAD.md (M = 2,000 orders per run,
## W3 at 1,000,000 orders: the listing set takes minutes to load the first time)
bench-full: $(STAMP)
	$(BIN)/python -m bench.run_all --size full

## bench-transfer: import and export of TRANSFER_ORDERS orders (3 items each) on PostgreSQL
## and SQLite, each step a separate `ordermill` process under /usr/bin/time -v (orders/s,
## peak memory). Results go to docs/performance.md by hand. Smaller: TRANSFER_ORDERS=100000
TRANSFER_URL    ?= postgresql://postgres@127.0.0.1:5432/ordermill_bench_transfer
TRANSFER_ORDERS ?= 1000000
bench-transfer: $(STAMP)
	$(BIN)/python -m bench.transfer_bench --orders $(TRANSFER_ORDERS) --postgres-url $(TRANSFER_URL)

## screenshots: the admin's dashboard, order grid and an order page at 1280 px and 390 px
## as docs/screenshots/*.png (a throwaway demo shop; needs Debian's chromium)
screenshots: $(STAMP)
	$(BIN)/python -m tests.admin.screenshots docs/screenshots

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis dist build
