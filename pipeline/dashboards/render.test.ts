// biome-ignore-all lint/suspicious/noTemplateCurlyInString: page fixtures use Evidence's ${query} syntax
// Goal: every component renders from real query results, and every authoring error is reported at
// its page line. Method: a DuckDB file whose serving tables are computed from the genuine bundled
// USDA snapshot; pages are written inline and rendered with the real renderer.
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePage } from './page.ts'
import { connectionRunner, type QueryRunner } from './query.ts'
import { renderPage } from './render.ts'
import { createServingTables, extractSnapshotCsv } from './testing/serving-fixture.ts'

let instance: DuckDBInstance
let connection: DuckDBConnection
let run: QueryRunner
let csvPath: string

beforeAll(async () => {
  csvPath = await extractSnapshotCsv()
  instance = await DuckDBInstance.create(':memory:')
  connection = await instance.connect()
  await createServingTables(connection, csvPath)
  run = connectionRunner(connection, (sql) => sql)
})

afterAll(async () => {
  connection.closeSync()
  instance.closeSync()
  await rm(dirname(csvPath), { recursive: true, force: true })
})

async function render(body: string) {
  return renderPage(parsePage('test.md', `---\ntitle: Test\npublic: true\n---\n${body}`), run)
}

const world =
  '```sql world\nSELECT market_year, production, domestic_consumption, stocks_to_use FROM serving.agg_world_balance WHERE market_year BETWEEN 2018 AND 2022 ORDER BY market_year\n```\n'

describe('renderPage', () => {
  it('interpolates values and renders markdown', async () => {
    const page = await render(
      `${world}# World\n\nProduction in {world[4].market_year} was {fmt(world[4].production, 'bags')}.\n`,
    )
    expect(page.issues).toEqual([])
    expect(page.html).toContain('<h1>World</h1>')
    expect(page.html).toMatch(/Production in 2022 was \d+\.\dM bags\./)
  })

  it('embeds only the queries that components use, as columns', async () => {
    const page = await render(
      `${world}<LineChart data={world} x=market_year y=production,domestic_consumption />\n`,
    )
    expect(page.issues).toEqual([])
    const embedded = page.payload.queries.world as { columns: string[]; values: unknown[][] }
    expect(embedded.columns).toEqual(['market_year', 'production', 'domestic_consumption', 'stocks_to_use'])
    expect(embedded.values[0]).toEqual([2018, 2019, 2020, 2021, 2022])
    expect(page.payload.components[0]).toMatchObject({ id: 'c1', type: 'LineChart', data: 'world' })
    expect(page.html).toContain('data-component="LineChart"')
  })

  it('renders every component with its props', async () => {
    const page = await render(
      [
        world,
        '```sql producers\nSELECT country_name, production, world_production_share FROM serving.obt_commodity_metrics WHERE market_year = 2022 ORDER BY production DESC LIMIT 10\n```',
        '<BigValue data={world} value=production comparison=stocks_to_use fmt=bags comparisonFmt=pct1 title="World production" />',
        '<BarChart data={producers} x=country_name y=production type=stacked swapXY=true />',
        '<AreaChart data={world} x=market_year y=production type=stacked />',
        '<ScatterPlot data={world} x=production y=domestic_consumption />',
        '<DataTable data={producers} rows=5 search=true>',
        '  <Column id=country_name title=Country />',
        '  <Column id=world_production_share fmt=pct1 />',
        '</DataTable>',
        '<Dropdown name=country data={producers} value=country_name title="Country" defaultValue=Colombia />',
        '<Alert status=warning>USDA *revises* figures.</Alert>',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    expect(page.payload.components.map((component) => component.type)).toEqual([
      'BigValue',
      'BarChart',
      'AreaChart',
      'ScatterPlot',
      'DataTable',
      'Dropdown',
    ])
    const table = page.payload.components[4]!
    expect(table.props).toEqual({ rows: '5', search: 'true' })
    expect(table.columns).toEqual([
      { id: 'country_name', title: 'Country' },
      { fmt: 'pct1', id: 'world_production_share' },
    ])
    expect(page.html).toContain('<option value="Brazil">Brazil</option>')
    expect(page.html).toContain('<option value="Colombia" selected>Colombia</option>')
    expect(page.html).toContain(
      '<div role="alert" class="alert alert-warning my-3"><span>USDA <em>revises</em> figures.</span></div>',
    )
    expect(page.html).toContain('aria-label="Bar chart: production by country_name"')
    expect(page.html).toContain('class="materia-bigvalue')
  })

  // String.replace reads $&, $' and $` in a replacement as the match and the text around it.
  it("keeps a value that holds $&, $' or $` as written, inline in text", async () => {
    const page = await render(
      "```sql note\nSELECT 'costs $& $'' $` $$ more' AS t\n```\nThe note: <Value data={note} column=t /> ends.\n",
    )
    expect(page.issues).toEqual([])
    expect(page.html).toMatch(/The note: .*costs \$&amp; \$&#39; \$` \$\$ more.* ends\./)
  })

  it('escapes markdown HTML instead of passing it through', async () => {
    const page = await render('Some <script>alert(1)</script> text\n')
    expect(page.html).not.toContain('<script>')
    expect(page.html).toContain('&lt;script&gt;')
  })
})

// Each case: the page body (front matter takes lines 1-4, so the body starts at line 5), the line
// the issue must name, and words its message must contain.
const errorCases: ReadonlyArray<readonly [string, string, number, RegExp]> = [
  ['unknown component', '<PieChart data={world} />', 5, /unknown component <PieChart>; use one of BigValue/],
  [
    'unknown prop',
    `${world}\n<LineChart data={world} x=market_year y=production colour=red />`,
    9,
    /<LineChart> has no prop "colour"/,
  ],
  ['missing prop', `${world}\n<LineChart data={world} x=market_year />`, 9, /needs the prop y=/],
  [
    'bad enum',
    `${world}<BarChart data={world} x=market_year y=production type=pie />`,
    8,
    /type="pie" is not allowed; use stacked \| grouped/,
  ],
  [
    'bad format',
    `${world}<BigValue data={world} value=production fmt=euros />`,
    8,
    /fmt="euros" is not a format/,
  ],
  [
    'data not braced',
    `${world}<BigValue data=world value=production />`,
    8,
    /data must name a query in braces/,
  ],
  ['missing query', '<LineChart data={nothing} x=a y=b />', 5, /data=\{nothing\} names no query/],
  [
    'missing column',
    `${world}<LineChart data={world} x=market_year y=exports />`,
    8,
    /query "world" has no column "exports"/,
  ],
  [
    'missing Column id',
    `${world}<DataTable data={world}>\n<Column id=nope />\n</DataTable>`,
    9,
    /has no column "nope"/,
  ],
  [
    'query error',
    '```sql broken\nSELECT nope FROM serving.agg_world_balance\n```',
    5,
    /query "broken" failed: .*nope.*; fix the SQL block/,
  ],
  [
    'missing reference',
    '```sql a\nSELECT * FROM ${b}\n```',
    5,
    /references \$\{b\}, which no sql block defines/,
  ],
  [
    'reference cycle',
    '```sql a\nSELECT * FROM ${b}\n```\n```sql b\nSELECT * FROM ${a}\n```',
    5,
    /cycle: a -> b -> a/,
  ],
  ['duplicate query', `${world}${world}`, 8, /query "world" is defined twice/],
  ['unclosed sql block', '```sql open\nSELECT 1', 5, /sql block "open" is never closed/],
  ['unclosed component', 'text\n\n<Alert status=info>never closed', 7, /<Alert> is never closed/],
  ['bad interpolation column', `${world}\nIt was {world[0].nope}.`, 9, /has no column "nope"/],
  ['bad interpolation row', `${world}\nIt was {world[99].production}.`, 9, /row 99 does not exist/],
  ['bad interpolation query', 'It was {gone[0].x}.', 5, /no query, \{#each\} row or params named "gone"/],
  ['Column outside DataTable', '<Column id=x />', 5, /unknown component <Column>/],
  ['unsupported text expression', 'Total {Math.max(1, 2)}.', 5, /\{Math\.max\(1, 2\)\}: .*not supported/],
  ['unreadable braces', 'A set {1 +} here.', 5, /cannot read it/],
  ['unsupported block', 'x\n\n{#await promise}\n', 7, /\{#await\} is not supported; use \{#if\}/],
  ['inline block tag', 'Shown {#if true}sometimes{/if}.', 5, /must stand on a line of its own/],
  ['unclosed if', '{#if true}\nhello', 5, /\{#if\} is never closed/],
  ['stray else', 'a\n{:else}\n', 6, /\{:else\} outside an \{#if\}/],
  ['each over missing query', '{#each nothing as row}\n{row.x}\n{/each}', 5, /no sql block has this name/],
  [
    'condition on a missing query',
    '{#if gone.length > 0}\nx\n{/if}',
    5,
    /no query, \{#each\} row or params named "gone"/,
  ],
  [
    'params on a plain page',
    "```sql a\nSELECT '${params.country}' AS c\n```",
    5,
    /reads \$\{params\.country\}, which this page has not/,
  ],
  [
    'TextInput outside a WHERE condition',
    "<TextInput name=search />\n```sql a\nSELECT '${inputs.search.value}' AS c\n```",
    6,
    /query "a": a TextInput is read in a top-level WHERE condition such as column ILIKE/,
  ],
  [
    'TextInput under OR',
    "<TextInput name=search />\n```sql a\nSELECT country_name FROM serving.dim_country WHERE country_name ILIKE '%${inputs.search.value}%' OR country_name = 'Brazil'\n```",
    6,
    /a TextInput is read in a top-level WHERE condition/,
  ],
  [
    'TextInput filtering a grouped query',
    "<TextInput name=search />\n```sql a\nSELECT country_name, SUM(production) AS production FROM serving.obt_commodity_metrics WHERE country_name ILIKE '%${inputs.search.value}%' GROUP BY country_name\n```",
    6,
    /must keep one row per source row, but it has GROUP BY; filter in a query of its own/,
  ],
  [
    'TextInput filtering an aggregate',
    "<TextInput name=search />\n```sql a\nSELECT count(*) AS n FROM serving.dim_country WHERE country_name ILIKE '%${inputs.search.value}%'\n```",
    6,
    /but its select list aggregates or uses a window/,
  ],
  [
    'TextInput filtering a column not selected',
    "<TextInput name=search />\n```sql a\nSELECT market_year FROM serving.obt_commodity_metrics WHERE country_name = '${inputs.search.value}'\n```",
    6,
    /filters country_name by a TextInput in the browser, so it must select country_name too/,
  ],
  [
    'input that does not exist',
    "```sql a\nSELECT '${inputs.nope.value}' AS c\n```",
    5,
    /no input is named "nope"/,
  ],
  [
    'condition on an input',
    '<TextInput name=q />\n{#if inputs.q.value == "x"}\ny\n{/if}',
    6,
    /conditions are decided when the page is built, so they cannot read inputs/,
  ],
  [
    'chart over an each row',
    `${world}{#each world as row}\n<LineChart data={row} x=a y=b />\n{/each}`,
    9,
    /only <Value> takes a row/,
  ],
]

describe('renderPage issues', () => {
  for (const [name, body, line, message] of errorCases) {
    it(`reports ${name} at its line, in place`, async () => {
      const page = await render(body)
      expect(page.issues.length).toBeGreaterThan(0)
      expect(page.issues[0]).toMatchObject({ line })
      expect(page.issues.map((issue) => issue.message).join('\n')).toMatch(message)
      expect(page.html).toContain(`<strong>test.md:${line}</strong>`)
    })
  }

  it('reports bad front matter at line 1', async () => {
    const page = await renderPage(parsePage('x.md', '---\ntitle: [unclosed\n---\nbody'), run)
    expect(page.issues[0]).toMatchObject({ line: 1 })
    const unknown = await renderPage(parsePage('x.md', '---\ntitle: A\nowner: me\npublic: yes\n---\n'), run)
    expect(unknown.issues.map((issue) => issue.message)).toEqual([
      'unknown front matter key "owner"; use title, description, public, access, params, environment, sidebar_position',
      'front matter "public" must be true or false',
    ])
  })
})

// Evidence's page language beyond components: control flow, loops, params and inputs.
describe('page language', () => {
  it('decides {#if}/{:else if}/{:else} at build time from query results', async () => {
    const page = await render(
      [
        world,
        '{#if world.length > 10}',
        'many rows',
        '{:else if world[4].production > world[0].production}',
        'production grew',
        '{:else}',
        'production fell',
        '{/if}',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    expect(page.html).not.toContain('many rows')
    expect(page.html).not.toContain('{')
    // The bundled snapshot has 2022 production above 2018's.
    expect(page.html).toContain('production grew')
    expect(page.html).not.toContain('production fell')
  })

  it('repeats {#each} content per row with the row in text and <Value>', async () => {
    const page = await render(
      [
        world,
        '{#each world as year}',
        "- {year.market_year}: {fmt(year.production, 'bags')} <Value data={year} column=stocks_to_use fmt=pct1 />",
        '{/each}',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    const items = page.html.match(/<li>/g) ?? []
    expect(items).toHaveLength(5)
    expect(page.html).toMatch(/<li>2018: \d+\.\dM bags/)
    expect(page.html).toMatch(/<li>2022: \d+\.\dM bags/)
  })

  it('runs a query reading an input once per option and embeds every result', async () => {
    const page = await render(
      [
        "```sql countries\nSELECT DISTINCT country_name FROM serving.obt_commodity_metrics WHERE country_name IN ('Brazil', 'Colombia', 'Vietnam') ORDER BY 1\n```",
        "```sql picked\nSELECT market_year, production FROM serving.obt_commodity_metrics WHERE country_name = '${inputs.country.value}' AND market_year BETWEEN 2020 AND 2022 ORDER BY 1\n```",
        '<ButtonGroup name=country data={countries} value=country_name defaultValue=Colombia />',
        "Chosen: {inputs.country.value}, production {fmt(picked[2].production, 'bags')}.",
        '<LineChart data={picked} x=market_year y=production />',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    const picked = page.payload.queries.picked as unknown as {
      inputs: string[]
      variants: Record<string, unknown[][]>
    }
    expect(picked.inputs).toEqual(['country.value'])
    expect(Object.keys(picked.variants).sort()).toEqual(['["Brazil"]', '["Colombia"]', '["Vietnam"]'])
    expect(picked.variants['["Brazil"]']![1]).not.toEqual(picked.variants['["Vietnam"]']![1])
    expect(page.payload.inputs).toEqual([
      { name: 'country', type: 'ButtonGroup', id: 'c1', defaults: { value: 'Colombia' } },
    ])
    expect(page.payload.texts.map((text) => ('input' in text ? text.input : text.query))).toEqual([
      'country.value',
      'picked',
    ])
    expect(page.html).toContain('aria-pressed="true" data-value="Colombia"')
    expect(page.html).toMatch(/production <span class="materia-live" id="t2">\d+\.\dM bags<\/span>/)
  })

  it('filters a query by a TextInput in the browser: the build runs it without the condition', async () => {
    const page = await render(
      [
        "```sql producers\nSELECT country_name, production FROM serving.obt_commodity_metrics WHERE market_year = 2022 AND production > 0 AND country_name ILIKE '%${inputs.search.value}%' ORDER BY production DESC\n```",
        '<TextInput name=search defaultValue=ia />',
        'First: {producers[0].country_name}.',
        '<DataTable data={producers} />',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    const producers = page.payload.queries.producers as unknown as {
      inputs: string[]
      variants: Record<string, unknown[][]>
      filters: unknown[]
    }
    expect(producers.inputs).toEqual([])
    expect(producers.filters).toEqual([
      { column: 'country_name', operator: 'ilike', template: '%${inputs.search.value}%' },
    ])
    // Every producer is embedded (the condition became TRUE); Brazil leads, and has no "ia".
    const names = producers.variants['[]']![0] as string[]
    expect(names[0]).toBe('Brazil')
    expect(names.length).toBeGreaterThan(40)
    // The page opens filtered by the default text: the first producer whose name holds "ia".
    const first = names.find((name) => name.toLowerCase().includes('ia'))
    expect(page.html).toContain(`First: <span class="materia-live" id="t1">${first}</span>`)
  })

  it('mixes a TextInput with a Dropdown: one result per option, each filtered in the browser', async () => {
    const page = await render(
      [
        '```sql years\nSELECT 2021 AS market_year UNION ALL SELECT 2022\n```',
        "```sql producers\nSELECT country_name, production FROM serving.obt_commodity_metrics WHERE market_year = ${inputs.year.value} AND country_name NOT LIKE '${inputs.skip.value}%'\n```",
        '<Dropdown name=year data={years} value=market_year />',
        '<TextInput name=skip />',
        '<DataTable data={producers} />',
      ].join('\n'),
    )
    expect(page.issues).toEqual([])
    const producers = page.payload.queries.producers as unknown as {
      inputs: string[]
      variants: Record<string, unknown[][]>
      filters: Array<{ operator: string }>
    }
    expect(producers.inputs).toEqual(['year.value'])
    expect(Object.keys(producers.variants).sort()).toEqual(['["2021"]', '["2022"]'])
    expect(producers.filters.map((filter) => filter.operator)).toEqual(['not like'])
  })

  it('fills ${params.x} in SQL and {params.x} in text on a templated page', async () => {
    const page = parsePage(
      'country/[country].md',
      "---\ntitle: '{params.country}'\nparams:\n  country: countries\n---\n```sql countries\nSELECT 'x' AS country\n```\n```sql one\nSELECT country_name, production FROM serving.obt_commodity_metrics WHERE country_name = '${params.country}' AND market_year = 2022\n```\n# {params.country}\n\nProduced {fmt(one[0].production, 'bags')}.\n",
    )
    expect(page.meta.params).toEqual({ country: 'countries' })
    const rendered = await renderPage(page, run, { country: "Cote d'Ivoire" })
    expect(rendered.issues).toEqual([])
    expect(rendered.html).toContain("<h1>Cote d'Ivoire</h1>")
    expect(rendered.html).toMatch(/Produced \d/)
  })

  it('requires a templated page to name the query of its values', () => {
    const page = parsePage('country/[country].md', '---\ntitle: x\n---\nbody')
    expect(page.nodes[0]).toMatchObject({
      kind: 'issue',
      issue: { line: 1, message: expect.stringMatching(/front matter params: \{ country: <sql block> \}/) },
    })
  })
})
