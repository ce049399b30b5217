// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  app: {
    summary: 'run the main job, then open the workbench (what npm start runs)',
    load: async () => (await import('../../server/cli-app.ts')).appCommand,
  },
  audit: {
    summary: "run models' audits against an environment",
    load: async () => (await import('./audit.ts')).auditCommand,
  },
  'create-test': {
    summary: "write a unit test from an environment's rows (SQLMesh's create_test)",
    load: async () => (await import('./create-test.ts')).createTestCommand,
  },
  dag: {
    summary: 'print the model graph (layers and edges)',
    load: async () => (await import('./dag.ts')).dagCommand,
  },
  dashboards: {
    summary: 'build the dashboard pages into a static folder',
    load: async () => (await import('./dashboards.ts')).dashboardsCommand,
  },
  doctor: {
    summary: 'report where state and the database disagree (exit 1 when they do)',
    load: async () => (await import('./doctor.ts')).doctorCommand,
  },
  environments: {
    summary: 'list environments',
    load: async () => (await import('./environments.ts')).environmentsCommand,
  },
  extract: {
    summary: 'land USDA PSD snapshots into the landing store',
    load: async () => (await import('./extract.ts')).extractCommand,
  },
  format: {
    summary: 'format model SQL files (--check: exit 1 when a file would change)',
    load: async () => (await import('./format.ts')).formatCommand,
  },
  info: {
    summary: 'print the project, its database file, models and environments',
    load: async () => (await import('./info.ts')).infoCommand,
  },
  init: {
    summary: 'create materia.yaml for a new project, or from a SQLMesh config.yaml',
    load: async () => (await import('./init.ts')).initCommand,
  },
  invalidate: {
    summary: 'drop a dev environment',
    load: async () => (await import('./invalidate.ts')).invalidateCommand,
  },
  janitor: {
    summary: 'drop expired dev environments and unused physical tables',
    load: async () => (await import('./janitor.ts')).janitorCommand,
  },
  lineage: {
    summary: 'print the columns a column is computed from (or, --downstream, that use it)',
    load: async () => (await import('./lineage.ts')).lineageCommand,
  },
  lint: {
    summary: 'check models for SELECT *, missing grain or description, ambiguous columns, unused CTEs',
    load: async () => (await import('./lint.ts')).lintCommand,
  },
  pipeline: {
    summary: 'run extract, transform and publish here or on a cloud worker',
    load: async () => (await import('./pipeline.ts')).pipelineCommand,
  },
  plan: {
    summary: 'show what changed and what would be built for an environment; apply with consent',
    load: async () => (await import('./plan.ts')).planCommand,
  },
  query: {
    summary: 'run a SQL query against an environment',
    load: async () => (await import('./query.ts')).queryCommand,
  },
  render: {
    summary: 'print a model query with macros expanded and references resolved',
    load: async () => (await import('./render.ts')).renderCommand,
  },
  run: {
    summary: 'evaluate the model intervals that are due in an environment, then exit',
    load: async () => (await import('./run.ts')).runCommand,
  },
  site: {
    summary: 'build the public BeanFlows site',
    load: async () => (await import('./site.ts')).siteCommand,
  },
  start: {
    summary: 'land the bundled snapshot if needed, apply the project to prod, print the home report',
    load: async () => (await import('./start.ts')).startCommand,
  },
  'table-diff': {
    summary: 'compare a model between two environments (schema, rows, columns)',
    load: async () => (await import('./table-diff.ts')).tableDiffCommand,
  },
  test: {
    summary: 'run the unit tests in tests/test_*.yaml',
    load: async () => (await import('./test.ts')).testCommand,
  },
  validate: {
    summary: 'check every model, reference, audit and test; print every problem at once',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  version: {
    summary: 'print the version',
    load: async () => (await import('./version.ts')).versionCommand,
  },
  workbench: {
    summary: 'serve the workbench (model editor, queries, plans) on 127.0.0.1',
    load: async () => (await import('../../server/cli-workbench.ts')).workbenchCommand,
  },
  worker: {
    summary: 'list, destroy and reap cloud workers',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  supervisor: {
    summary: 'run the schedule unattended (update, run, reap)',
    load: async () => (await import('./supervisor.ts')).supervisorCommand,
  },
}
