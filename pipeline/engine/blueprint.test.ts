// Goal: a model file with `blueprints` defines one model per blueprint, its variables substituted
// as sqlmesh_macros.md shows (@name as written, @{name} as an identifier, header included), lines
// kept; a malformed blueprint is named by line. Method: the documentation's example expanded and
// rendered; a project with a blueprint file loaded from a temp folder.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expandBlueprints } from './blueprint.ts'
import { loadProject } from './load.ts'
import { parseModelFile } from './model-parser.ts'

const documented = `MODEL (
  name @customer.some_table,
  kind FULL,
  blueprints (
    (customer := customer1, field_a := x, field_b := y, field_c := 'foo'),
    (customer := customer2, field_a := z, field_b := w, field_c := 'bar')
  )
);

SELECT
  @field_a,
  @{field_b} AS field_b,
  @field_c AS @{field_c}
FROM @customer.some_source
`

const root = join(tmpdir(), `materia-blueprint-${process.pid}`)
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('expandBlueprints', () => {
  it('renders the documented example once per blueprint', () => {
    const texts = expandBlueprints(documented, 'models/some_table.sql')
    expect(texts).toHaveLength(2)
    const [first, second] = texts.map((text) => parseModelFile(text, 'models/some_table.sql'))
    expect(first!.name).toBe('customer1.some_table')
    expect(first!.query).toBe("SELECT\n  x,\n  y AS field_b,\n  'foo' AS foo\nFROM customer1.some_source")
    expect(second!.name).toBe('customer2.some_table')
    expect(second!.query).toBe("SELECT\n  z,\n  w AS field_b,\n  'bar' AS bar\nFROM customer2.some_source")
    expect(first!.queryLine).toBe(10)
    expect(texts[0]!.split('\n')).toHaveLength(documented.split('\n').length)
  })

  it('leaves a file without blueprints, strings and a local @DEF alone', () => {
    expect(expandBlueprints('MODEL (name a.b);\nSELECT 1', 'm.sql')).toEqual(['MODEL (name a.b);\nSELECT 1'])
    const [text] = expandBlueprints(
      "MODEL (name a.@{t}, blueprints ((t := x, v := 1)));\n@DEF(v, 2);\nSELECT '@t' AS s, @v AS v",
      'm.sql',
    )
    expect(text).toContain('MODEL (name a.x,')
    expect(text).toContain("SELECT '@t' AS s, @v AS v")
  })

  it('reads @BLUEPRINT_VAR with its default', () => {
    const [text] = expandBlueprints(
      "MODEL (name a.b, blueprints ((region := 'eu')));\nSELECT @BLUEPRINT_VAR('region', 'us') AS r, @BLUEPRINT_VAR('tier', 3) AS t",
      'm.sql',
    )
    expect(text).toContain("SELECT 'eu' AS r, 3 AS t")
  })

  it('names the line of a malformed blueprint', () => {
    expect(() =>
      expandBlueprints('MODEL (\n  name a.b,\n  blueprints ((x 1))\n);\nSELECT 1', 'm.sql'),
    ).toThrow('m.sql:3 malformed blueprint variable; write name := value')
    expect(() => expandBlueprints('MODEL (\n  name a.b,\n  blueprints x\n);\nSELECT 1', 'm.sql')).toThrow(
      'm.sql:3 blueprints must be a list like ((name := a), (name := b))',
    )
  })
})

describe('loading blueprints', () => {
  it('loads one model per blueprint, each with its own references', async () => {
    rmSync(root, { recursive: true, force: true })
    mkdirSync(join(root, 'models'), { recursive: true })
    writeFileSync(join(root, 'materia.yaml'), 'name: blueprints\n')
    writeFileSync(
      join(root, 'models', 'orders.sql'),
      'MODEL (name raw.orders, kind FULL);\nSELECT 1 AS customer_id, 2.5 AS amount',
    )
    writeFileSync(
      join(root, 'models', 'customer_orders.sql'),
      `MODEL (
  name @customer.orders,
  kind VIEW,
  blueprints (
    (customer := customer1, customer_filter := 1),
    (customer := customer2, customer_filter := 2)
  )
);
SELECT amount FROM raw.orders WHERE customer_id = @customer_filter
`,
    )
    const project = await loadProject(root, { env: {} })
    expect([...project.models.keys()]).toEqual(['customer1.orders', 'customer2.orders', 'raw.orders'])
    expect(project.models.get('customer2.orders')!.query).toContain('WHERE customer_id = 2')
    expect(project.parents.get('customer1.orders')).toEqual(['raw.orders'])
  })
})
