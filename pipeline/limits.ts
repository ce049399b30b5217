// Every limit in one place, each with its reason. Going past one is a MateriaError('limit', ...).

// A project bigger than this is almost surely a generator gone wrong; the DAG code is linear anyway.
export const modelsMax = 20_000

// A plan bigger than this almost surely comes from a bad model selector.
export const planStepsMax = 100_000

// A model file larger than this is not hand-written SQL.
export const modelFileBytesMax = 1_000_000

// Rows shown in a preview or a CLI pretty table; the full result is exported, never printed.
export const previewRowsMax = 1_000

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
// Checkout or upload plus npm ci on a fresh worker.
export const prepareTimeoutMs = 20 * 60_000
// The hard deadline of a whole remote run; the worker is destroyed when it passes.
export const remoteRunDeadlineMs = 60 * 60_000
// A working tree archive larger than this holds data or build output that must not be uploaded.
export const uploadArchiveBytesMax = 200 * 1024 * 1024
// Lines of a run's log kept in memory for the workbench; the full log streams to the client.
export const runLogLinesMax = 20_000
// Servers listed or reaped in one go; more than this under app=materia means something is looping.
export const workersListedMax = 500
// The prod DuckDB file moved to and from the bucket; bigger than this needs a different design.
export const prodStateBytesMax = 20 * 1024 * 1024 * 1024
// Catch-up slots considered after downtime: only the latest missed slot of each pipeline runs.
export const supervisorRunsLogLinesMax = 100_000
