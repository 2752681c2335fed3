"""Benchmarks: each bench_<area>.py prints measured figures; `make bench` runs them all."""
