"""Text and HTML → rows of cells → the six sections → the three standard tables.

`xxgk.extract.report.extract_file` / `extract_text` are the entry points: plain functions, no I/O
beyond reading the one file, no Prefect.
"""
