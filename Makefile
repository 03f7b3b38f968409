# townhall-ivr — the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test check lint bench bootstrap

PYTEST_ARGS ?=
# Parallel test processes: the tests mostly wait on Asterisk, SIPp and the IVR, so more
# workers than the 2 cores CI has. Groups keep a module's stack in one worker
# (tests/conftest.py); collection order, not group size, says what starts first.
TEST_WORKERS ?= 4
PYTEST_XDIST = -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

bootstrap:
	scripts/bootstrap

run: bootstrap
	.venv/bin/townhall-ivr run

lint: bootstrap
	.venv/bin/ruff check ivr admin tests bench townhall_support
	.venv/bin/mypy ivr admin bench townhall_support

test: export TOWNHALL_TEST_PG = 1
test:
	scripts/bootstrap --with-postgres
	.venv/bin/ruff check ivr admin tests bench townhall_support
	scripts/check-wheel
	.venv/bin/pytest -q -p no:cacheprovider $(PYTEST_XDIST) $(PYTEST_ARGS)

check: lint test

bench: bootstrap
	.venv/bin/townhall-ivr bench calls --concurrent 500 --duration 20 --repeat 3
