// Every limit in one place, each with its reason. Going past one is a MateriaError('limit', ...).

// A project bigger than this is almost surely a generator gone wrong; the DAG code is linear anyway.
export const modelsMax = 20_000

// A plan bigger than this almost surely comes from a bad model selector.
export const planStepsMax = 100_000

// A model file larger than this is not hand-written SQL.
export const modelFileBytesMax = 1_000_000

// Rows shown in a preview or a CLI pretty table; the full result is exported, never printed.
export const previewRowsMax = 1_000

// Rows one dashboard query may embed in a page; past this a page gets too heavy to load quickly.
export const dashboardQueryRowsMax = 20_000

// Pages one dashboards folder may hold; more is a misconfigured pages folder (e.g. the repo root).
export const dashboardPagesMax = 1_000
