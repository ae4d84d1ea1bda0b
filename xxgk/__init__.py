"""xxgk: the project package (schema, command line)."""
