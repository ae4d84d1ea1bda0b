-- One view per published dataset, over the current release's parquet files.
-- `{current}` is replaced with the absolute path of data/processed/current when the
-- database is built; the symlink is swapped atomically by each publication, so an analyst's
-- read-only connection always sees one complete release.
CREATE OR REPLACE VIEW reports      AS SELECT * FROM read_parquet('{current}/reports.parquet');
CREATE OR REPLACE VIEW cells        AS SELECT * FROM read_parquet('{current}/cells.parquet');
CREATE OR REPLACE VIEW checks       AS SELECT * FROM read_parquet('{current}/checks.parquet');
CREATE OR REPLACE VIEW failures     AS SELECT * FROM read_parquet('{current}/failures.parquet');
CREATE OR REPLACE VIEW disclosure   AS SELECT * FROM read_parquet('{current}/disclosure.parquet');
CREATE OR REPLACE VIEW applications AS SELECT * FROM read_parquet('{current}/applications.parquet');
CREATE OR REPLACE VIEW appeals      AS SELECT * FROM read_parquet('{current}/appeals.parquet');
CREATE OR REPLACE VIEW dictionary   AS SELECT * FROM read_parquet('{current}/dictionary.parquet');
