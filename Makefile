# townhall-ivr — the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test check lint bench bootstrap

PYTEST_ARGS ?=

bootstrap:
	scripts/bootstrap

run: bootstrap
	.venv/bin/townhall-ivr run

lint: bootstrap
	.venv/bin/ruff check ivr admin tests bench
	.venv/bin/mypy ivr admin

test: export TOWNHALL_TEST_PG = 1
test:
	scripts/bootstrap --with-postgres
	.venv/bin/ruff check ivr admin tests bench
	.venv/bin/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

check: lint test

bench: bootstrap
	.venv/bin/townhall-ivr bench calls --concurrent 500 --duration 20 --repeat 3
