-- Every landed USDA PSD snapshot, as published: one row per CSV line, all text, plus the file it came
-- from. The landing layout is <landing>/psd/{dataset}/{YYYY}/{MM}/{etag}.csv.gz, so the file name
-- carries the snapshot month that staging parses into ingest_date.
--
-- A VIEW, not a table: copying ~2 M text rows per snapshot into a table would cost a full scan on
-- every run, while a view lets staging's filter on the month in the file name prune the files DuckDB
-- opens (read_csv applies filters on `filename` before reading), so an incremental run reads only
-- the new month's file.
--
-- No grain here: a uniqueness audit on the view would read every landed file again on each build.
-- Uniqueness is checked where the rows are materialized, on staging's grain.
--
-- Every query that names this view binds it again (the view itself, each environment's view over it,
-- staging), and with union_by_name each bind opens every landed file to read its header: columns
-- are matched by name, so a snapshot whose columns come in another order, or without one of them,
-- reads right (a `columns` list would map them by position instead, silently wrong). Two options
-- keep that bind cheap without changing a row: the published dialect (comma, double quote, quote
-- doubled to escape) is given, so the sniffer does not try every candidate dialect on each file;
-- and a 1 MB read buffer instead of DuckDB's 32 MB default, so a bind decompresses 1 MB of each
-- gzipped file rather than the first 32 MB. Measured over 24 genuine monthly files, three binds
-- took 3.2 s of CPU as before, 1.5 s with the dialect, 0.4 s with both; the full read of the
-- 2 M-row bench landing took less CPU too (1.0-1.4 s against 1.7-2.1 s). A line longer than the
-- buffer (1 MB; PSD lines are about 130 bytes) is refused with DuckDB's "Maximum line size" error.
MODEL (
  name raw.psd_alldata,
  kind VIEW,
  cron '@daily',
  -- The published layout, all text (so unit tests and the linter know it without landed files).
  columns (
    Commodity_Code VARCHAR,
    Commodity_Description VARCHAR,
    Country_Code VARCHAR,
    Country_Name VARCHAR,
    Market_Year VARCHAR,
    Calendar_Year VARCHAR,
    "Month" VARCHAR,
    Attribute_ID VARCHAR,
    Attribute_Description VARCHAR,
    Unit_ID VARCHAR,
    Unit_Description VARCHAR,
    "Value" VARCHAR,
    filename VARCHAR
  ),
  description 'USDA PSD snapshots as landed: every *.csv.gz under the landing psd/ folder, all columns as text, with the source file name'
);

SELECT
  *
FROM read_csv(
  @VAR('landing_dir') || '/' || @VAR('psd_files', 'psd/*/*/*/*.csv.gz'),
  all_varchar = TRUE,
  filename = TRUE,
  union_by_name = TRUE,
  header = TRUE,
  delim = ',',
  quote = '"',
  escape = '"',
  buffer_size = 1048576
)
