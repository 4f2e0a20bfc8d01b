"""Benchmark commands (`manage.py bench_*`), all in one place, apart from the test suite.

Each prints its figure next to the raw-SQL floor measured in the same run. They read every app,
so this package sits on top of the import layers and no app imports it.
"""
