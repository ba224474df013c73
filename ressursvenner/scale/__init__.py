"""A national-scale data set for measuring the service (`manage.py seed_scale`).

`distributions` holds how the data is spread (who is at which stage, how long a year lasts,
which languages she speaks); the benchmarks in bench/ use the same functions for their own
fillers. `fill` writes the data set with COPY; `copy` is the writer. Nothing here runs in a
request: the package is the operator's and the benchmark's tool.
"""
