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
  header = TRUE
)
