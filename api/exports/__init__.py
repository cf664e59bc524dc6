"""Exports written at the edge: the analysts' datasets as Parquet files (and a DuckDB database)."""
