"""The DuckDB views, one .sql file per theme, applied in name order (package data: read with
importlib.resources, so an installed xxgk finds them wherever it lives)."""
