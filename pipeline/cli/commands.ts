// The command table: each command's summary and usage, and its module, loaded lazily. `materia
// --help` and `materia <command> --help` print from here without loading any command's module (nor
// DuckDB); the modules take their usage line for error messages from here too.
import { previewRowsMax, tableTtlMs } from '../limits.ts'
import type { Command } from './command.ts'

export interface CommandEntry {
  readonly summary: string
  readonly usage: string // one line: materia <command> [options]
  readonly notes?: string // printed after the usage by --help
  readonly load: () => Promise<Command>
}

const table = {
  app: {
    summary: 'run the main job, then open the workbench (what npm start runs)',
    usage: 'materia app [--project DIR] [--no-open]',
    load: async () => (await import('../../server/cli-app.ts')).appCommand,
  },
  audit: {
    summary: "run models' audits against an environment",
    usage: 'materia audit [ENV] [MODEL] [--project DIR]',
    load: async () => (await import('./audit.ts')).auditCommand,
  },
  'create-test': {
    summary: "write a unit test from an environment's rows (SQLMesh's create_test)",
    usage:
      'materia create-test MODEL --query UPSTREAM "SQL" [--query UPSTREAM "SQL" ...] [--var NAME VALUE ...] [--env ENV] [--name TEST] [--project DIR]',
    load: async () => (await import('./create-test.ts')).createTestCommand,
  },
  dag: {
    summary: 'print the model graph (layers and edges)',
    usage: 'materia dag [--project DIR] [--json]',
    load: async () => (await import('./dag.ts')).dagCommand,
  },
  dashboards: {
    summary: 'build the dashboard pages into a static folder',
    usage: 'materia dashboards build [--env prod] [--out DIR] [--public-only] [--project DIR] [--pages DIR]',
    load: async () => (await import('./dashboards.ts')).dashboardsCommand,
  },
  doctor: {
    summary: 'report where state and the database disagree (exit 1 when they do)',
    usage: 'materia doctor [--json] [--project DIR]',
    notes: `Checks that every table state names exists with its recorded columns, and that every live\nenvironment has a view for each of its models. materia plan ENV repairs what it finds.`,
    load: async () => (await import('./doctor.ts')).doctorCommand,
  },
  environments: {
    summary: 'list environments',
    usage: 'materia environments [--json] [--project DIR]',
    load: async () => (await import('./environments.ts')).environmentsCommand,
  },
  extract: {
    summary: 'land USDA PSD snapshots (download, verify, gzip) into the landing store',
    usage:
      'materia extract psd [--dataset alldata|coffee|...] [--landing DIR | s3://bucket/prefix] [--since YYYY-MM] ' +
      '[--from-file PATH.zip [--month YYYY-MM]] [--project DIR]',
    load: async () => (await import('./extract.ts')).extractCommand,
  },
  format: {
    summary: 'format model SQL files (--check: exit 1 when a file would change)',
    usage: 'materia format [--check] [FILES...] [--project DIR]',
    load: async () => (await import('./format.ts')).formatCommand,
  },
  info: {
    summary: 'print the project, its database file, models and environments',
    usage: 'materia info [--json] [--project DIR]',
    load: async () => (await import('./info.ts')).infoCommand,
  },
  init: {
    summary: 'create materia.yaml for a new project, or from a SQLMesh config.yaml',
    usage: 'materia init [DIR] [--from-sqlmesh PATH]',
    load: async () => (await import('./init.ts')).initCommand,
  },
  invalidate: {
    summary: 'drop a dev environment (its views now, its tables at the next janitor run)',
    usage: 'materia invalidate ENV [--project DIR]',
    load: async () => (await import('./invalidate.ts')).invalidateCommand,
  },
  janitor: {
    summary: 'drop expired dev environments and unused physical tables',
    usage: 'materia janitor [--ignore-ttl] [--project DIR]',
    notes: `Unused tables are kept ${tableTtlMs / 86_400_000} days unless --ignore-ttl; prod is never removed.`,
    load: async () => (await import('./janitor.ts')).janitorCommand,
  },
  lineage: {
    summary: 'print the columns a column is computed from (or, --downstream, that use it)',
    usage: 'materia lineage MODEL.COLUMN [--downstream] [--json] [--project DIR]',
    load: async () => (await import('./lineage.ts')).lineageCommand,
  },
  lint: {
    summary: 'check models for SELECT *, missing grain or description, ambiguous columns, unused CTEs',
    usage: 'materia lint [--project DIR]',
    load: async () => (await import('./lint.ts')).lintCommand,
  },
  pipeline: {
    summary: 'run extract, transform and publish here or on a cloud worker',
    usage:
      'materia pipeline run [extract|transform|publish|all] [--remote [--provider hetzner|scaleway|cheapest] [--upload] [--commit REF]] [--env prod|dev_NAME] [--project DIR]',
    load: async () => (await import('./pipeline.ts')).pipelineCommand,
  },
  plan: {
    summary: 'show what changed and what would be built for an environment; apply with consent',
    usage:
      'materia plan [ENV] [--project DIR] [--auto-apply] [--dry-run] [--select MODEL[+]] [--json] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--restate MODEL] [--skip-tests] [--rerun-tests]',
    notes: `ENV defaults to MATERIA_ENV, materia.yaml default_environment, else dev_<user>. --select and --restate take comma-separated model names. Unit tests unchanged since they last passed are skipped; --rerun-tests runs them all.`,
    load: async () => (await import('./plan.ts')).planCommand,
  },
  query: {
    summary: 'run a read-only SQL query against an environment (model names resolve to its views)',
    usage: 'materia query "SQL" [--env ENV] [--json | --csv] [--project DIR]',
    notes: `ENV defaults to prod. At most ${previewRowsMax} rows are printed; --csv and --json write every\nrow. Queries only read: one SELECT statement; files outside the project and landing folders\ncannot be read.`,
    load: async () => (await import('./query.ts')).queryCommand,
  },
  render: {
    summary: 'print a model query with macros expanded and references resolved',
    usage: 'materia render MODEL [--project DIR] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--env ENV]',
    notes: `The interval runs from --start to --end inclusive (whole UTC days; default: yesterday).`,
    load: async () => (await import('./render.ts')).renderCommand,
  },
  run: {
    summary: 'evaluate the model intervals that are due in an environment, then exit',
    usage: 'materia run [ENV] [--ignore-cron] [--project DIR]',
    notes: `--ignore-cron also re-evaluates FULL and unique-key models that are not due.`,
    load: async () => (await import('./run.ts')).runCommand,
  },
  site: {
    summary: 'build the BeanFlows site, or serve it with sign-in and Paddle subscriptions',
    usage:
      'materia site build [--out DIR] [--project DIR] [--pages DIR] | materia site serve [--dir SITE] [--port N] [--host H] [--db FILE]',
    load: async () => (await import('./site.ts')).siteCommand,
  },
  start: {
    summary: 'land the bundled snapshot if needed, apply the project to prod, print the home report',
    usage: 'materia start [--project DIR]',
    load: async () => (await import('./start.ts')).startCommand,
  },
  'table-diff': {
    summary: 'compare a model between two environments (schema, rows, columns)',
    usage: 'materia table-diff SOURCE:TARGET MODEL [--on col,col] [--json] [--project DIR]',
    load: async () => (await import('./table-diff.ts')).tableDiffCommand,
  },
  test: {
    summary: 'run the unit tests in tests/test_*.yaml',
    usage: 'materia test [NAME...] [--project DIR]',
    load: async () => (await import('./test.ts')).testCommand,
  },
  validate: {
    summary: 'check every model, reference, audit and test; print every problem at once',
    usage: 'materia validate [--project DIR]',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  version: {
    summary: 'print the version',
    usage: 'materia version',
    load: async () => (await import('./version.ts')).versionCommand,
  },
  workbench: {
    summary: 'serve the workbench (model editor, queries, plans) on 127.0.0.1',
    usage: 'materia workbench [--project DIR] [--port N] [--no-open]',
    load: async () => (await import('../../server/cli-workbench.ts')).workbenchCommand,
  },
  worker: {
    summary: 'list, destroy and reap cloud workers (label app=materia)',
    usage: 'materia worker list | destroy ID | reap [--older-than 2h] [--provider hetzner|scaleway]',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  supervisor: {
    summary: 'run the schedule unattended: update the clone, run pipelines, reap orphan workers',
    usage: 'materia supervisor [--once] [--local] [--project DIR]',
    load: async () => (await import('./supervisor.ts')).supervisorCommand,
  },
} satisfies Record<string, CommandEntry>

export const commands: { readonly [name in keyof typeof table]: CommandEntry } = table

// The entry of a command named on the command line; undefined for an unknown name.
export function commandEntry(name: string): CommandEntry | undefined {
  return Object.hasOwn(table, name) ? commands[name as keyof typeof table] : undefined
}

// What `materia <command> --help` prints.
export function commandHelp(entry: CommandEntry): string {
  const notes = entry.notes === undefined ? '' : `\n\n${entry.notes}`
  return `usage: ${entry.usage}${notes}\n\n${entry.summary}\n`
}
