"""What the tests and the benchmarks share to start and probe a private stack.

Both ``tests/`` and ``bench/`` start real Asterisk instances, IVR processes and scratch
PostgreSQL databases on free loopback ports. The helpers live here, once, in an
installed and type-checked package of their own, so that neither imports the other:
tests are not installed, and the benchmark is a tool, not a test suite. Nothing here
imports pytest: the fixtures that wrap these helpers stay in ``tests/fixtures``.
"""
