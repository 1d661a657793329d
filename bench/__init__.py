"""The performance suite: the standard workload (bench/WORKLOAD.md) for
ordermill and for a raw-SQL floor, run by ``make bench`` and ``make bench-full``."""
