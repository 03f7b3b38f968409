# townhall-ivr — the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test check lint bench bootstrap

PYTEST_ARGS ?=
# Parallel test processes: the tests mostly wait on Asterisk, SIPp and the IVR, so more
# workers than the 2 cores CI has (a full run used 1.5 cores on average with 5). A module's tests run in one worker (they share its
# stack); collection order (tests/conftest.py), not module size, says what starts first.
# (Not --dist loadgroup: pytest-xdist 3.8 cannot rename test ids under pytest 9, so its
# groups are silently ignored.)
TEST_WORKERS ?= 5
PYTEST_XDIST = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bootstrap:
	scripts/bootstrap

run: bootstrap
	.venv/bin/townhall-ivr run

lint: bootstrap
	.venv/bin/ruff check ivr admin tests bench townhall_support
	.venv/bin/mypy ivr admin bench townhall_support

# The wheel check (an install in a fresh venv and a call, about a minute of waiting) runs
# beside the suite; either failing fails the target.
test: export TOWNHALL_TEST_PG = 1
# Keep compiled modules (and pytest's rewritten tests) where the machine says not to
# write them (PYTHONDONTWRITEBYTECODE=1 on CI machines): the suite starts hundreds of
# Python processes (IVR processes, commands), each compiling the project again.
test: export PYTHONDONTWRITEBYTECODE =
test:
	scripts/bootstrap --with-postgres
	.venv/bin/ruff check ivr admin tests bench townhall_support
	log=$$(mktemp); scripts/check-wheel > $$log 2>&1 & wheel=$$!; \
	.venv/bin/pytest -q -p no:cacheprovider $(PYTEST_XDIST) $(PYTEST_ARGS); tests=$$?; \
	wait $$wheel; checked=$$?; cat $$log; rm -f $$log; \
	test $$tests -eq 0 -a $$checked -eq 0

check: lint test

bench: bootstrap
	.venv/bin/townhall-ivr bench calls --concurrent 500 --duration 20 --repeat 3
