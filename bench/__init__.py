"""Benchmarks: each prints figures measured in one run, with the machine and date."""
