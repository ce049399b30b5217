// Every limit in one place, each with its reason. Going past one is a MateriaError('limit', ...).

// A project bigger than this is almost surely a generator gone wrong; the DAG code is linear anyway.
export const modelsMax = 20_000

// A plan bigger than this almost surely comes from a bad model selector.
export const planStepsMax = 100_000

// A model file larger than this is not hand-written SQL.
export const modelFileBytesMax = 1_000_000

// Rows shown in a preview or a CLI pretty table; the full result is exported, never printed.
export const previewRowsMax = 1_000

// Rows the model editor's preview of a model or CTE shows (dbt Cloud's preview shows 100 too).
export const modelPreviewRowsMax = 100

// Models the DAG's column mode draws at once: past this each node's column list makes an SVG too
// big to pan; the model mode still draws the whole project.
export const dagColumnModeModelsMax = 400

// Rows one dashboard query may embed in a page; past this a page gets too heavy to load quickly.
export const dashboardQueryRowsMax = 20_000

// Pages one dashboards folder may hold; more is a misconfigured pages folder (e.g. the repo root).
export const dashboardPagesMax = 1_000
// Results one query reading inputs may embed (one per combination of input values): a page carries
// them all, so past this it is better to split the page or offer fewer values.
export const dashboardInputVariantsMax = 500

// A dashboard page's text as the workbench editor posts it: Markdown a person writes is far below
// this; it bounds a draft the server holds in memory.
export const dashboardSourceBytesMax = 1_000_000
// Pages one templated page ([param].md) may produce; more is a values query missing a filter.
export const templatedPagesMax = 2_000
// Workbench query results kept in memory for paging; each may hold millions of rows, so only the
// most recent few stay (older ones are re-run on demand).
export const queryResultsCachedMax = 8

// Rows in one page of the workbench grid; the browser renders them as an HTML table.
export const queryPageRowsMax = 500

// Columns of a result the grid's header summarizes (one aggregate each, plus a histogram for
// numbers); wider results summarize their first columns only, to keep the summary under a second.
export const querySummaryColumnsMax = 64

// Points one quick chart of a result draws: more would not be readable and slow the canvas.
export const queryChartPointsMax = 5_000

// Query tabs kept open in the workbench's editor; past this the oldest are closed by the analyst.
export const queryTabsMax = 30

// Up to this many rows the header's distinct counts are exact; past it they are
// approx_count_distinct's estimate, marked with ≈. Exact counts over a 1 M-row result cost about
// 0.5-0.9 s of CPU (a hash table of every value per column), HyperLogLog a tenth of that, and the
// summary shares DuckDB's threads with the grid's row requests while the analyst starts scrolling.
export const querySummaryExactRowsMax = 100_000

// Query history entries kept in .materia/query-history.jsonl and read back; older ones are dropped.
export const queryHistoryEntriesMax = 2_000

// SQL text accepted by the workbench's query, diagnostics and completion endpoints.
export const querySqlBytesMax = 1_000_000

// Statements in one workbench query run (a script pasted into the editor).
export const queryStatementsMax = 1_000

// Request bodies the workbench server accepts (model files are capped lower by modelFileBytesMax).
export const workbenchRequestBytesMax = 2_000_000

// Models built at once during apply. DuckDB already spreads one query over every core; two builds
// overlap one model's tail with the next one's start without thrashing a two-core laptop.
export const applyConcurrencyMax = 2

// A dev environment nobody planned for this long is dropped by the janitor (SQLMesh's default too).
export const environmentTtlMs = 7 * 24 * 3_600_000

// Physical tables no environment shows are kept this long, so a rollback can still reuse them.
export const tableTtlMs = 7 * 24 * 3_600_000

// Batches of one model in one plan: three years of hourly batches is past any sensible batch_size.
export const batchesMax = 30_000
// Bad rows printed by a failing audit and kept in its outcome: enough to see the pattern, short
// enough for one terminal screen.
export const auditSampleRowsMax = 5

// Differences sampled by a table diff; the counts cover every row, the sample only illustrates them.
export const tableDiffSampleRowsMax = 20

// Rows in one unit-test fixture or expected output: unit tests pin logic with a few rows, and larger
// data belongs in a model run, not in YAML.
export const testRowsMax = 10_000

// Test files in sql/tests/, and audit files in sql/audits/: a bound on the loops that read them.
export const testFilesMax = 5_000

// Relative tolerance when a unit test compares numbers: DOUBLE sums depend on evaluation order.
export const testNumericTolerance = 1e-9
// Remote workers (pipeline/remote/).
// Each Hetzner API call is a small JSON exchange; a call slower than this is a stuck connection.
export const providerRequestTimeoutMs = 30_000
// 5xx and 429 are retried with backoff; past this many attempts the API is down, not busy.
export const providerAttemptsMax = 5
// A Retry-After longer than this is refused rather than slept through inside a run.
export const providerRetryAfterMaxMs = 60_000
// Pages walked when listing servers or server types (50 per page): 10,000 servers is far past any run.
export const providerPagesMax = 200
// Creating or deleting a server takes under a minute; five minutes means the action is stuck.
export const actionWaitMs = 5 * 60_000
// A fresh Debian worker with cloud-init answers SSH in 30-90 s; ten minutes means it never will.
export const sshReadyWaitMs = 10 * 60_000
// A single SSH connection attempt (TCP + key exchange) on a healthy network.
export const sshConnectTimeoutMs = 15_000
// One readiness probe (`ssh … true`): the connection attempt plus a login and a no-op command.
export const sshAttemptTimeoutMs = 20_000
// Checkout or upload plus npm ci on a fresh worker.
export const prepareTimeoutMs = 20 * 60_000
// A working tree archive larger than this holds data or build output that must not be uploaded.
export const uploadArchiveBytesMax = 200 * 1024 * 1024
// Lines of a run's log kept in memory for the workbench; the full log streams to the client.
export const runLogLinesMax = 20_000
// Servers listed or reaped in one go; more than this under app=materia means something is looping.
export const workersListedMax = 500
// The prod DuckDB file moved to and from the bucket; bigger than this needs a different design.
export const prodStateBytesMax = 20 * 1024 * 1024 * 1024
// Records read back from a run history (JSON lines); older ones stay in the file, unread.
export const supervisorRunsLogLinesMax = 100_000
// --- extract (USDA PSD) and landing ---

// --- extract (USDA PSD) and landing ---

// USDA publishes a month's archive a few days into the month; three months back covers a late
// publication without silently landing a stale year.
export const psdFallbackMonthsMax = 3

// PSD archives go back to 2006; 30 years of months bounds a `--since` walk with room to spare.
export const psdSinceMonthsMax = 360

// One request: the full alldata zip (~30 MB) over a slow link fits well inside ten minutes.
export const downloadRequestTimeoutMs = 600_000

// One snapshot, all attempts and backoff included: a stuck source must not hold the job forever.
export const downloadTotalTimeoutMs = 1_800_000

// Timeouts and 5xx are retried this many times in total; more rarely helps and only delays the error.
export const downloadAttemptsMax = 4

// First backoff between attempts; it doubles each attempt.
export const downloadBackoffMs = 1_000

// The alldata zip is ~30 MB; anything past 2 GB is not a PSD snapshot.
export const downloadBytesMax = 2_000_000_000

// A PSD zip holds one CSV; a zip with more entries than this is not a PSD snapshot.
export const zipEntriesMax = 64

// The alldata CSV is ~300 MB uncompressed; past 8 GB the zip is a bomb or not PSD.
export const csvBytesMax = 8_000_000_000

// The PSD header line is ~170 bytes; a first line longer than this is not a PSD CSV.
export const csvHeaderBytesMax = 4_096

// Listing a landing prefix: PSD lands a few files a month, so 100 k keys means a wrong prefix.
export const landingListKeysMax = 100_000

// Waiting for another writer's lock on one landing key; writes take milliseconds.
export const landingLockWaitMs = 10_000

// Landed files sniffed one by one when DuckDB reports an unreadable file without naming it
// (read-error.ts): PSD lands a few files a month, so this covers decades of snapshots.
export const landedFilesSniffedMax = 10_000

// Landed etags sent in one If-None-Match header; HTTP servers cap header size around 8 KB.
export const ifNoneMatchEtagsMax = 64

// An alert webhook (ntfy, Slack, Discord) answers in well under a second; a hung one must not
// hold the supervisor.
export const alertTimeoutMs = 10_000

// Files larger than this go to S3/R2 as a multipart upload (parts of landingPartBytes), conditional
// writes included. R2 takes at most 5 GiB in one PUT and 10,000 parts of 5 MiB to 5 GiB each
// (developers.cloudflare.com/r2/platform/limits): 16 MiB parts reach 156 GiB, above prodStateBytesMax.
export const landingMultipartBytes = 64 * 1024 * 1024
export const landingPartBytes = 16 * 1024 * 1024

// Text objects read whole (manifests, state files) are a few KB; past this it is not one of those.
export const landingTextBytesMax = 4_000_000

// The supervisor looks back this far for a missed slot after downtime; older slots are not caught up.
export const supervisorCatchUpMs = 8 * 24 * 60 * 60_000
// Cron slots walked when looking for the latest missed one (a minutely cron over 8 days is 11,520).
export const supervisorSlotScanMax = 20_000
// A scheduled run (a child `materia pipeline run`) past this is killed; its own deadline is 60 min.
export const supervisorRunTimeoutMs = 90 * 60_000
// git fetch / merge on the supervisor's clone, and npm ci after a lockfile change.
export const supervisorGitTimeoutMs = 2 * 60_000
export const supervisorNpmCiTimeoutMs = 15 * 60_000

// The paid site (`materia site serve`).
// A Paddle webhook body: subscription events run to a few tens of KB; more is not from Paddle.
export const siteWebhookBytesMax = 256 * 1024
// A sign-in form holds one email address.
export const siteFormBytesMax = 4 * 1024
// A sign-in link works this long: long enough to switch to the mail app, short for a leaked link.
export const signInLinkTtlMs = 15 * 60 * 1000
// Sign-in emails per client address and per email address in a window: enough for a typo or two,
// too few to spam an inbox or probe addresses.
export const signInPerAddressMax = 10
export const signInPerEmailMax = 3
export const signInWindowMs = 15 * 60 * 1000
// Rate-limit keys kept in memory before old windows are dropped.
export const siteRateKeysMax = 100_000
// Site files served from memory; the site's pages are small and few.
export const siteFileBytesMax = 20 * 1024 * 1024
