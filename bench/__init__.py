"""Issue 13's benchmark: `make bench` runs bench/run.py."""
