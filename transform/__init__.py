"""Extracted reports → canonical records → Arrow/parquet releases and the DuckDB views."""
