// Goal: whatever a SQLMesh project holds that cannot work here is named precisely, one line each,
// all in one run, and the rest of the project keeps working. Method: a project in a temp dir with
// one of every unsupported or broken construct beside healthy models; the real `main` runs
// `materia validate` (every problem, exit 1), `materia plan` (refuses, same list) and
// `materia query` (answers on the healthy models).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, it } from 'vitest'
import { materiaWith } from '../pipeline/cli/testing/cli-run.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'

const files: Record<string, string> = {
  'materia.yaml': "name: mixed\nmodel_defaults:\n  start: '2024-01-01'\n",
  'seeds/items.csv': 'id,name\n1,a\n2,b\n',
  'seeds/empty.csv': 'id,name\n',
  'models/items.sql': "MODEL (name shop.items, kind SEED (path '../seeds/items.csv'));",
  'models/item_names.sql': 'MODEL (name shop.item_names, kind FULL);\nSELECT id, name FROM shop.items',
  'models/orders.py': [
    'import typing as t',
    'from sqlmesh import ExecutionContext, model',
    '',
    '@model("shop.orders", columns={"id": "int", "item_id": "int"})',
    'def execute(context: ExecutionContext, **kwargs: t.Any) -> t.Any:',
    '    return context.fetchdf("SELECT 1 AS id, 1 AS item_id")',
    '',
  ].join('\n'),
  'models/order_items.sql':
    'MODEL (name shop.order_items, kind FULL);\nSELECT o.id, i.name FROM shop.orders AS o JOIN shop.items AS i ON o.item_id = i.id',
  'models/order_report.sql': 'MODEL (name shop.order_report);\nSELECT count(*) AS n FROM shop.order_items',
  'models/custom.sql':
    "MODEL (\n  name shop.custom,\n  kind CUSTOM (materialization 'my_materialization')\n);\nSELECT 1 AS x",
  'models/managed.sql': 'MODEL (\n  name shop.managed,\n  kind MANAGED\n);\nSELECT 1 AS x',
  'models/external.sql': 'MODEL (\n  name shop.external,\n  kind EXTERNAL\n);',
  'models/jinja.sql': [
    'MODEL (name shop.jinja, kind FULL);',
    '',
    'JINJA_QUERY_BEGIN;',
    "SELECT {{ 'id' }} FROM shop.items",
    'JINJA_END;',
  ].join('\n'),
  'models/tsql.sql': 'MODEL (\n  name shop.tsql,\n  dialect tsql\n);\nSELECT TOP 5 id FROM shop.items',
  'models/typo.sql': "MODEL (\n  name shop.typo,\n  kinds FULL,\n  cron 'every day'\n);\nSELECT 1 AS x",
  'models/empty_seed.sql': "MODEL (name shop.empty_seed, kind SEED (path '../seeds/empty.csv'));",
  'models/unknown_ref.sql': 'MODEL (name shop.unknown_ref);\nSELECT * FROM shop.itemz',
  'models/template.sql':
    "MODEL (name shop.template, kind FULL);\nSELECT *\nFROM @resolve_template('@{catalog_name}.@{schema_name}.@{table_name}$properties', mode := 'table')",
  'models/bad_audit.sql': 'MODEL (name shop.bad_audit, audits (no_such_audit));\nSELECT id FROM shop.items',
  'external_models.yaml': '- name: finance.rates\n  columns:\n    currency: text\n- columns:\n    x: int\n',
  'tests/test_broken.yaml': 'test_broken:\n  model: shop.item_names\n  inputs: [oops\n',
}

function materia(root: string, ...argv: string[]) {
  return materiaWith({ MATERIA_NOW: '2024-01-03T00:00:00Z' }, root, ...argv)
}

const expected = [
  'models/custom.sql:3:3 kind CUSTOM is not supported: CUSTOM materializations are Python classes; write the model as FULL or INCREMENTAL_* instead',
  'models/empty_seed.sql:1 seed file seeds/empty.csv has a header line but no rows; add its rows (a header line, then one line per row), or write allow_empty true in kind SEED (...) if it may be empty',
  'models/external.sql:3:3 kind EXTERNAL is not supported: EXTERNAL models are declared in external_models.yaml at the project root, not in a model file',
  'models/jinja.sql:3 Jinja blocks (JINJA_QUERY_BEGIN) are not supported; write the statement in SQL with @ macros',
  'models/managed.sql:3:3 kind MANAGED is not supported: MANAGED models need an engine that maintains them (Snowflake dynamic tables); DuckDB has none, use FULL',
  'models/template.sql:3 @RESOLVE_TEMPLATE is not supported; its placeholders name physical tables, which the environments here hide; name the table directly',
  'models/typo.sql:3:3 unknown property "kinds"; use name | kind | cron | start | grain | grains | audits | description | owner | tags | depends_on | columns | column_descriptions | dialect | enabled | stamp | references | partitioned_by (or one SQLMesh documents)',
  "models/typo.sql:4:3 invalid cron 'every day'; use @hourly | @daily | @weekly | @monthly or a 5-field cron expression",
  'external_models.yaml:4 each entry needs name: schema.table',
]

describe('unsupported SQLMesh constructs', () => {
  let root: string
  beforeAll(() => {
    root = temporaryDirectory('unsupported')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    mkdirSync(join(root, '.materia'))
  })

  it('validate names each one precisely, all in one run', async () => {
    const result = await materia(root, 'validate')
    expect(result.code).toBe(1)
    const lines = result.stderr.trimEnd().split('\n')
    for (const line of expected) expect(lines).toContain(line)
    const tsql = lines.find((line) => line.startsWith('models/tsql.sql:'))
    expect(tsql).toMatch(
      /^models\/tsql\.sql:5:\d+ SQL syntax error: .*; the model says dialect tsql and DuckDB cannot parse this query, rewrite it in DuckDB SQL$/,
    )
    expect(lines).toContain(
      'models/unknown_ref.sql:2 references unknown model shop.itemz; did you mean shop.items?',
    )
    expect(lines).toContain(
      'models/orders.py:1 Python model shop.orders (models/orders.py) is not supported; 2 models depend on it: shop.order_items, shop.order_report; rewrite it as a SQL model',
    )
    expect(lines).toContain(
      'models/bad_audit.sql: audit no_such_audit on shop.bad_audit: unknown audit; use a built-in (not_null, unique_values, unique_combination_of_columns, accepted_values, accepted_range, number_of_rows, forall) or add audits/no_such_audit.sql',
    )
    expect(lines.find((line) => line.startsWith('tests/test_broken.yaml:'))).toMatch(/invalid YAML/)
    // One line per construct, then the count: nothing repeated, nothing about the healthy models.
    expect(lines.at(-1)).toBe('15 models, 1 test, 1 external table: 14 problems')
    expect(lines).toHaveLength(15)
    expect(result.stderr).not.toContain('shop.item_names')
  })

  it('plan refuses with the same list; query still answers on the models that load', async () => {
    const plan = await materia(root, 'plan', 'dev')
    expect(plan.code).toBe(1)
    for (const line of expected) expect(plan.stderr).toContain(line)
    expect(plan.stderr).toContain('problems in the project; fix them and run again')
    // query opens the database read-only: it must exist (any plan would have made it).
    const instance = await DuckDBInstance.create(join(root, '.materia', 'local.duckdb'))
    instance.closeSync()
    const query = await materia(root, 'query', 'SELECT 1 AS one')
    expect(query.code, query.stderr).toBe(0)
    expect(query.stdout).toContain('one')
    expect(query.stderr).toMatch(
      /^12 problem\(s\) in the project; left out: shop.custom, shop.empty_seed, shop.external, shop.jinja, shop.managed, shop.order_items, shop.order_report, shop.orders, shop.template, shop.tsql, shop.typo, shop.unknown_ref; run materia validate for the list\n$/,
    )
  })

  it('query naming a Python model (or a model reading one) says it is not supported, in one line', async () => {
    const python = await materia(root, 'query', 'SELECT id FROM shop.orders')
    expect(python.code).toBe(1)
    expect(python.stderr.trimEnd().split('\n').at(-1)).toBe(
      'materia query: the query reads shop.orders, left out of the project: Python model shop.orders (models/orders.py) is not supported; rewrite it as a SQL model',
    )
    expect(python.stderr).not.toMatch(/does not exist|did you mean|Catalog Error/)
    const dependent = await materia(root, 'query', 'SELECT count(*) FROM "shop"."order_items"', '--csv')
    expect(dependent.code).toBe(1)
    expect(dependent.stderr.trimEnd().split('\n').at(-1)).toBe(
      'materia query: the query reads shop.order_items, left out of the project: reads shop.orders, which cannot load: Python model shop.orders (models/orders.py) is not supported; rewrite it as a SQL model',
    )
    const broken = await materia(root, 'query', 'SELECT x FROM shop.custom', '--env', 'prod')
    expect(broken.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^materia query: the query reads shop.custom, left out of the project: .*kind CUSTOM is not supported.*; run materia validate for the fix$/,
    )
  })
})
