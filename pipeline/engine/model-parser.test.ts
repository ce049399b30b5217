// Goal: the MODEL header parser accepts everything our models write and rejects every malformed
// header with the exact file:line and wording. Method: parse literal file texts, pure and in memory.
import { describe, expect, it } from 'vitest'
import { parseAuditFile } from './audit-parser.ts'
import { parseModelFile, parseModelSource } from './model-parser.ts'

const path = 'models/staging/x.sql'

function parseError(text: string): string {
  try {
    parseModelFile(text, path)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a parse error')
}

describe('parseModelFile', () => {
  it('reads every property, kind options, audits and the query', () => {
    const text = `-- leading comment
MODEL (
  name Staging.Stg_X, -- a comment, with a comma
  kind INCREMENTAL_BY_TIME_RANGE (time_column ingest_date, batch_size 7, lookback 2),
  cron '@weekly',
  start '2020-01-01',
  grain (a, b),
  audits (
    not_null(columns := (a, b)),
    accepted_range(column := x, min_v := 0),
    unique_values_non_blocking(columns := (a)),
    custom_name(arg := 'x, (y)')
  ),
  description 'it''s a model; with /* no comment */',
  owner 'alice',
  tags (coffee, psd),
  depends_on (raw.y, "Raw"."Z"),
  columns (a INT, b DECIMAL(10, 2))
);
/* the query */
SELECT a, b FROM raw.y; -- trailing
`
    const { model, queryOffset } = parseModelSource(text, path)
    expect(model).toEqual({
      name: 'staging.stg_x',
      schema: 'staging',
      table: 'stg_x',
      kind: { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'ingest_date', batchSize: 7, lookback: 2 },
      cron: '@weekly',
      start: '2020-01-01',
      grain: ['a', 'b'],
      audits: [
        { name: 'not_null', args: { columns: '(a, b)' }, blocking: true },
        { name: 'accepted_range', args: { column: 'x', min_v: '0' }, blocking: true },
        { name: 'unique_values', args: { columns: '(a)' }, blocking: false },
        { name: 'custom_name', args: { arg: "'x, (y)'" }, blocking: true },
      ],
      description: "it's a model; with /* no comment */",
      owner: 'alice',
      tags: ['coffee', 'psd'],
      dependsOn: ['raw.y', 'raw.z'],
      columns: [
        { name: 'a', type: 'INT' },
        { name: 'b', type: 'DECIMAL(10, 2)' },
      ],
      query: '/* the query */\nSELECT a, b FROM raw.y',
      path,
      queryLine: 20,
    })
    expect(text.slice(queryOffset).startsWith('/* the query */')).toBe(true)
  })

  it('applies defaults and reads the other kinds case-insensitively', () => {
    const view = parseModelFile('MODEL (name a.b);\nSELECT 1', path, { cron: '@hourly' })
    expect(view.kind).toEqual({ name: 'VIEW' })
    expect(view.cron).toBe('@hourly')
    expect(view.start).toBeNull()
    expect(view.grain).toEqual([])
    expect(parseModelFile('MODEL (name a.b, kind full);\nSELECT 1', path).kind).toEqual({ name: 'FULL' })
    const seed = parseModelFile("MODEL (name a.b, kind seed (path 'seeds/b.csv'));\n", path)
    expect(seed.kind).toEqual({ name: 'SEED', path: 'seeds/b.csv' })
    expect(seed.query).toBe('')
    const keyed = parseModelFile(
      'MODEL (name a.b, kind Incremental_By_Unique_Key (unique_key (k1, k2)), grain k1);\nSELECT 1',
      path,
    )
    expect(keyed.kind).toEqual({ name: 'INCREMENTAL_BY_UNIQUE_KEY', uniqueKey: ['k1', 'k2'] })
    expect(keyed.grain).toEqual(['k1'])
    const incremental = parseModelFile(
      'MODEL (name a.b, kind INCREMENTAL_BY_TIME_RANGE (time_column t));\nSELECT 1',
      path,
    )
    expect(incremental.kind).toEqual({
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 't',
      batchSize: null,
      lookback: 0,
    })
  })

  it('reads CRLF files with a byte order mark, keeping line numbers', () => {
    const model = parseModelFile(
      '\uFEFFMODEL (\r\n  name a.b,\r\n  kind FULL\r\n);\r\n\r\nSELECT 1 AS x\r\n',
      path,
    )
    expect(model.name).toBe('a.b')
    expect(model.query).toBe('SELECT 1 AS x')
    expect(model.queryLine).toBe(6)
    expect(() => parseModelFile('MODEL (\r\n  name a.b,\r\n  kinds FULL\r\n);\r\nSELECT 1', path)).toThrow(
      `${path}:3:3 unknown property "kinds"`,
    )
  })

  it('takes a query opening with @WITH(condition) for the query, after its pre-statements', () => {
    // sqlmesh_macros "@WITH operator": @WITH(True) all_cities as (...) select * FROM all_cities.
    const model = parseModelFile(
      'MODEL (name a.b);\nSET VARIABLE x = 1;\n@WITH(True) all_cities AS (SELECT * FROM city)\nSELECT * FROM all_cities;\nSET VARIABLE y = 2;',
      path,
    )
    expect(model.preStatements).toEqual(['SET VARIABLE x = 1'])
    expect(model.query).toBe('@WITH(True) all_cities AS (SELECT * FROM city)\nSELECT * FROM all_cities')
    expect(model.postStatements).toEqual(['SET VARIABLE y = 2'])
  })

  it('keeps @DEF definitions in the query and allows them before it', () => {
    const model = parseModelFile('MODEL (name a.b);\n@DEF(x, 1);\nSELECT @x; ', path)
    expect(model.query).toBe('@DEF(x, 1);\nSELECT @x')
    expect(model.queryLine).toBe(2)
  })
})

describe('parseModelFile rejects bad input with file:line', () => {
  const cases: [string, string, string][] = [
    [
      'empty file',
      '  \n-- nothing\n',
      `${path}:1 empty model file; start it with MODEL (name schema.table, kind FULL); and a query`,
    ],
    [
      'no header',
      'SELECT 1',
      `${path}:1 expected the header MODEL (name schema.table, kind FULL); at the start of the file`,
    ],
    [
      'no parenthesis',
      '\nMODEL name a.b;',
      `${path}:2 expected '(' after MODEL; write MODEL (name schema.table, kind FULL);`,
    ],
    [
      'unclosed header',
      'MODEL (\n  name a.b,\n  kind FULL\nSELECT 1',
      `${path}:1 parenthesis never closed; add the matching ')'`,
    ],
    ['no semicolon', 'MODEL (name a.b)\nSELECT 1', `${path}:2 expected ';' after the MODEL (...) header`],
    [
      'unterminated string',
      "MODEL (name a.b,\n description 'oops);\nSELECT 1",
      `${path}:2 unterminated string; close it before the end of the file`,
    ],
    [
      'unterminated block comment',
      'MODEL (name a.b);\nSELECT 1 /* never\nclosed',
      `${path}:2 unterminated block comment /*; close it before the end of the file`,
    ],
    [
      'unterminated quoted identifier',
      'MODEL (name a.b);\n\nSELECT "x FROM t',
      `${path}:3 unterminated quoted identifier; close it before the end of the file`,
    ],
    [
      'unknown property',
      'MODEL (\n  name a.b,\n  kinds FULL\n);\nSELECT 1',
      `${path}:3:3 unknown property "kinds"; use name | kind | cron | start | grain | grains | audits | description | owner | tags | depends_on | columns | column_descriptions | dialect | enabled | stamp | references | partitioned_by (or one SQLMesh documents)`,
    ],
    [
      'unknown kind',
      'MODEL (\n  name a.b,\n  kind incremntal\n);\nSELECT 1',
      `${path}:3:3 unknown kind "incremntal"; use FULL | VIEW | SEED | INCREMENTAL_BY_TIME_RANGE | INCREMENTAL_BY_UNIQUE_KEY | INCREMENTAL_BY_PARTITION | INCREMENTAL_UNMANAGED | SCD_TYPE_2 | SCD_TYPE_2_BY_TIME | SCD_TYPE_2_BY_COLUMN | EMBEDDED`,
    ],
    [
      'unknown kind option',
      "MODEL (name a.b,\n kind SEED (file 'x.csv'));",
      `${path}:2:2 unknown option "file" of kind SEED; use path | batch_size | csv_settings | allow_empty`,
    ],
    [
      'missing time column',
      'MODEL (name a.b,\n kind INCREMENTAL_BY_TIME_RANGE (batch_size 1));\nSELECT 1',
      `${path}:2:2 kind INCREMENTAL_BY_TIME_RANGE needs (time_column c): the column holding each row's time`,
    ],
    [
      'missing name',
      'MODEL (\n  kind FULL\n);\nSELECT 1',
      `${path}:1 the MODEL header has no name; add name schema.table`,
    ],
    [
      'unqualified name',
      'MODEL (name b);\nSELECT 1',
      `${path}:1:8 model name must be schema.table (letters, digits, _), e.g. staging.stg_psd`,
    ],
    [
      'reserved schema',
      'MODEL (name staging__dev.x);\nSELECT 1',
      `${path}:1:8 schema "staging__dev" is reserved (no "__", no "materia" prefix: those name environments and engine tables); rename it`,
    ],
    [
      'engine schema',
      'MODEL (name materia_state.x);\nSELECT 1',
      `${path}:1:8 schema "materia_state" is reserved (no "__", no "materia" prefix: those name environments and engine tables); rename it`,
    ],
    [
      'property twice',
      'MODEL (name a.b,\n name a.c);\nSELECT 1',
      `${path}:2:2 property "name" given twice (first on line 1); keep one`,
    ],
    [
      'property without value',
      'MODEL (name a.b, grain);\nSELECT 1',
      `${path}:1 property "grain" has no value`,
    ],
    [
      'bad cron',
      "MODEL (name a.b,\n cron 'daily');\nSELECT 1",
      `${path}:2:2 invalid cron 'daily'; use @hourly | @daily | @weekly | @monthly or a 5-field cron expression`,
    ],
    [
      'bad start',
      "MODEL (name a.b,\n start '2020-02-30');\nSELECT 1",
      `${path}:2:2 invalid start '2020-02-30'; use an ISO date like '2006-01-01' or a relative time like '1 year ago'`,
    ],
    [
      'malformed audit',
      'MODEL (name a.b,\n audits (not_null(columns (a))));\nSELECT 1',
      `${path}:2:2 malformed argument of audit not_null; write name := value`,
    ],
    [
      'no query',
      'MODEL (name a.b,\n kind FULL);\n-- later\n',
      `${path}:2 the model has no query after its MODEL header; add one SELECT`,
    ],
    [
      'statements but no query',
      'MODEL (name a.b);\nSET threads = 1;\n\nSET threads = 2;',
      `${path}:2 none of the 2 statements after the MODEL header is a query; add one SELECT`,
    ],
    [
      'unclosed virtual update block',
      'MODEL (name a.b);\nSELECT 1;\nON_VIRTUAL_UPDATE_BEGIN;\nSELECT 2;',
      `${path}:3 ON_VIRTUAL_UPDATE_BEGIN; is never closed; add ON_VIRTUAL_UPDATE_END;`,
    ],
    [
      'seed with query',
      "MODEL (name a.b, kind SEED (path 'x.csv'));\nSELECT 1",
      `${path}:2 a SEED model takes no query; remove it (the rows come from the seed file)`,
    ],
  ]
  for (const [what, text, message] of cases) {
    it(what, () => expect(parseError(text)).toBe(message))
  }
})

describe('parseAuditFile', () => {
  it('reads the name and the query', () => {
    const audit = parseAuditFile(
      'AUDIT (name assert_positive);\nSELECT * FROM @this_model WHERE @column <= 0;\n',
      'audits/a.sql',
    )
    expect(audit).toMatchObject({
      name: 'assert_positive',
      query: 'SELECT * FROM @this_model WHERE @column <= 0',
      path: 'audits/a.sql',
      queryLine: 2,
      blocking: true,
      skip: false,
      standalone: false,
    })
  })

  it('rejects unknown properties, a missing name and a missing query', () => {
    expect(() => parseAuditFile('AUDIT (name a,\n blocked false);\nSELECT 1', 'audits/a.sql')).toThrow(
      'audits/a.sql:2 unknown property "blocked"; use name | description | blocking',
    )
    expect(() => parseAuditFile('AUDIT ();\nSELECT 1', 'audits/a.sql')).toThrow(
      'audits/a.sql:1 the AUDIT header has no name; add name my_audit',
    )
    expect(() => parseAuditFile('AUDIT (name a);\n', 'audits/a.sql')).toThrow(
      'audits/a.sql:1 the audit has no query; add a SELECT returning the bad rows',
    )
  })
})
