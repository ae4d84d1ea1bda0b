-- The published datasets. Each is copied from one release's parquet files into a table of
-- the schema `release` when the database is built (`{release}` is replaced with that release
-- folder), and shown in the main schema as a view of the same name. Tables, not views over
-- the parquet paths, because a view over a path breaks when the data folder moves; the copy
-- costs little (see README, "Portable database"). Each publication writes a new database
-- file and renames it into place, so a connection reads one complete release; reconnect to
-- see a newer one.
CREATE SCHEMA release;
CREATE TABLE release.reports      AS SELECT * FROM read_parquet('{release}/reports.parquet');
CREATE TABLE release.cells        AS SELECT * FROM read_parquet('{release}/cells.parquet');
CREATE TABLE release.checks       AS SELECT * FROM read_parquet('{release}/checks.parquet');
CREATE TABLE release.failures     AS SELECT * FROM read_parquet('{release}/failures.parquet');
CREATE TABLE release.disclosure   AS SELECT * FROM read_parquet('{release}/disclosure.parquet');
CREATE TABLE release.applications AS SELECT * FROM read_parquet('{release}/applications.parquet');
CREATE TABLE release.appeals      AS SELECT * FROM read_parquet('{release}/appeals.parquet');
CREATE TABLE release.dictionary   AS SELECT * FROM read_parquet('{release}/dictionary.parquet');
CREATE TABLE release.sources      AS SELECT * FROM read_parquet('{release}/sources.parquet');
CREATE VIEW reports      AS SELECT * FROM release.reports;
CREATE VIEW cells        AS SELECT * FROM release.cells;
CREATE VIEW checks       AS SELECT * FROM release.checks;
CREATE VIEW failures     AS SELECT * FROM release.failures;
CREATE VIEW disclosure   AS SELECT * FROM release.disclosure;
CREATE VIEW applications AS SELECT * FROM release.applications;
CREATE VIEW appeals      AS SELECT * FROM release.appeals;
CREATE VIEW dictionary   AS SELECT * FROM release.dictionary;
CREATE VIEW sources      AS SELECT * FROM release.sources;
