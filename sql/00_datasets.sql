-- One view per published dataset, over one release's parquet files.
-- `{current}` is replaced with the absolute path of the release folder when the database is
-- built (data/processed/releases/<id>, the one `current` is about to point to). Each
-- publication writes a new database file and renames it into place, so a connection always
-- reads one complete release; reconnect to see a newer one.
CREATE OR REPLACE VIEW reports      AS SELECT * FROM read_parquet('{current}/reports.parquet');
CREATE OR REPLACE VIEW cells        AS SELECT * FROM read_parquet('{current}/cells.parquet');
CREATE OR REPLACE VIEW checks       AS SELECT * FROM read_parquet('{current}/checks.parquet');
CREATE OR REPLACE VIEW failures     AS SELECT * FROM read_parquet('{current}/failures.parquet');
CREATE OR REPLACE VIEW disclosure   AS SELECT * FROM read_parquet('{current}/disclosure.parquet');
CREATE OR REPLACE VIEW applications AS SELECT * FROM read_parquet('{current}/applications.parquet');
CREATE OR REPLACE VIEW appeals      AS SELECT * FROM read_parquet('{current}/appeals.parquet');
CREATE OR REPLACE VIEW dictionary   AS SELECT * FROM read_parquet('{current}/dictionary.parquet');
CREATE OR REPLACE VIEW sources      AS SELECT * FROM read_parquet('{current}/sources.parquet');
