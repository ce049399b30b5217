// Goal: `materia dashboards build` and `materia site build` write a complete, offline, deterministic
// export; a broken page fails the build with `page.md:line` and leaves the previous export as it
// was. Method: end to end on the real transform project: sql/ copied to a temp folder, the bundled
// genuine USDA snapshot landed and applied to prod by the main job, then the CLI run in-process
// over the shipped pages (copied beside it, as in the repository) and pages written per test.
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Run, runMain } from '../cli/testing/cli-run.ts'
import { runMainJob } from '../main-job.ts'
import { paddleConfigFrom } from './site.ts'

const repositoryRoot = join(import.meta.dirname, '..', '..')
const shippedPages = join(repositoryRoot, 'dashboards', 'pages')
let folder: string
let project: string

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'materia-build-'))
  project = join(folder, 'sql')
  await cp(join(repositoryRoot, 'sql'), project, {
    recursive: true,
    filter: (source) => !source.includes('.materia'),
  })
  await cp(shippedPages, join(folder, 'dashboards', 'pages'), { recursive: true })
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() })
  await runMainJob({ projectRoot: project, stdout: quiet, env: {} })
})

afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runMain(argv, { cwd: folder, env })
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) =>
    entry.isFile(),
  )
  const pairs = await Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath, entry.name)
      return [path.slice(dir.length + 1), await readFile(path, 'latin1')] as const
    }),
  )
  return new Map(pairs.sort(([left], [right]) => (left < right ? -1 : 1)))
}

// A reference that makes the browser contact another host: src=/href= to an absolute or
// protocol-relative URL, an ES import or CSS @import/url() of one.
const externalPatterns = [
  /\b(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?\/\/[^"'\s>]*/gi,
  /\bimport\s*\(?\s*["'](?:[a-z]+:)?\/\/[^"']*/gi,
  /url\(\s*["']?\s*(?:https?:)?\/\/[^)"']*/gi,
]

function externalReferences(files: Map<string, string>): string[] {
  return [...files].flatMap(([path, text]) =>
    externalPatterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => `${path}: ${match[0]}`)),
  )
}

describe('materia dashboards build', () => {
  it('builds every shipped page with local assets and no external references, deterministically', async () => {
    const first = await cli(['dashboards', 'build', '--out', 'out/a'])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^built \d+ pages \(\d+ files\) into .*out\/a in \d+\.\d\d s\n$/)
    const a = await snapshot(join(folder, 'out', 'a'))
    // The templated country page: one page per producing country, and their index.
    const countries = [...a.keys()].filter((path) => path.startsWith('country/'))
    expect(countries.length).toBeGreaterThan(40)
    expect(countries).toContain('country/brazil.html')
    expect(countries).toContain('country/cote-d-ivoire.html')
    expect(countries).toContain('country/index.html')
    const brazil = a.get('country/brazil.html')!
    expect(brazil).toContain('<h1>Country profile: Brazil</h1>')
    expect(brazil).toContain('Brazil exports more coffee than it drinks')
    expect(brazil).not.toMatch(/\{[#:/]|\{params/)
    expect(a.get('country/index.html')).toContain('<a href="brazil.html">Brazil</a>')
    expect(a.get('index.html')).toContain('<a href="country/index.html">Country profile</a>')
    expect([...a.keys()].filter((path) => !path.startsWith('country/'))).toEqual([
      '.materia-build',
      'assets/echarts.js',
      'assets/logo.svg',
      'assets/materia.css',
      'assets/materia.js',
      'assets/wordmark.svg',
      'assets/world-map.js',
      'coffee-map.html',
      'country-profile.html',
      'index.html',
      'revisions.html',
      'top-producers.html',
      'world-balance.html',
    ])
    expect(externalReferences(a)).toEqual([])
    expect(a.get('world-balance.html')).toContain('<script src="assets/echarts.js"></script>')
    // The chart runtime holds the chart types the pages draw (line, area, bar and the maps), and
    // no others; only the map page loads the world map.
    const runtime = a.get('assets/echarts.js')!
    expect(runtime.split('\n')[0]).toBe(
      '/*! Apache ECharts (Apache-2.0), parts: BarChart, GeoComponent, LineChart, MapChart, ScatterChart, VisualMapComponent */',
    )
    expect(runtime).toContain('"series.line"')
    expect(runtime).not.toContain('"series.boxplot"')
    expect(a.get('coffee-map.html')).toContain('<script src="assets/world-map.js"></script>')
    expect(a.get('world-balance.html')).not.toContain('world-map.js')
    expect(runtime).not.toContain('"series.pie"')
    expect(Buffer.byteLength(runtime)).toBeLessThan(700_000)
    expect(await cli(['dashboards', 'build', '--pages', shippedPages, '--out', 'out/b'])).toMatchObject({
      code: 0,
    })
    const b = await snapshot(join(folder, 'out', 'b'))
    expect(b).toEqual(a)
  }, 240_000) // two whole builds, each bundling the chart runtime: 60 s was too little with both cores busy

  it('leaves the previous export untouched when a page is broken, naming page:line', async () => {
    const pages = join(folder, 'pages-broken')
    await mkdir(pages, { recursive: true })
    await writeFile(join(pages, 'ok.md'), '---\ntitle: OK\n---\n# Fine\n')
    expect(await cli(['dashboards', 'build', '--pages', pages, '--out', 'out/keep'])).toMatchObject({
      code: 0,
    })
    const before = await snapshot(join(folder, 'out', 'keep'))
    await writeFile(
      join(pages, 'zz-bad.md'),
      '---\ntitle: Bad\n---\n```sql q\nSELECT 1 AS a\n```\n\n<LineChart data={q} x=a y=missing />\n',
    )
    const failed = await cli(['dashboards', 'build', '--pages', pages, '--out', 'out/keep'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toBe(
      'materia dashboards: pages-broken/zz-bad.md:8 <LineChart> y=missing: query "q" has no column "missing" (columns: a)\n',
    )
    expect(await snapshot(join(folder, 'out', 'keep'))).toEqual(before)
    expect((await readdir(join(folder, 'out'))).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('refuses an environment that does not exist before any page runs, in one line', async () => {
    const run = await cli(['dashboards', 'build', '--env', 'dev_nope', '--out', 'out/nope'])
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'materia dashboards: no environment dev_nope (environments: prod); create it with materia plan dev_nope\n',
    })
    expect(existsSync(join(folder, 'out', 'nope'))).toBe(false)
  })

  it("replaces only an earlier build: a file or a folder of one's own at --out is refused and kept", async () => {
    const pages = join(folder, 'pages-small')
    await mkdir(pages, { recursive: true })
    await writeFile(join(pages, 'ok.md'), '---\ntitle: OK\n---\n# Fine\n')
    const out = join(folder, 'out-guard')
    await mkdir(join(out, 'mine'), { recursive: true })
    await writeFile(join(out, 'notes.txt'), 'an analyst note\n')
    await writeFile(join(out, 'mine', 'draft.md'), '# draft\n')
    const onFile = await cli(['dashboards', 'build', '--pages', pages, '--out', 'out-guard/notes.txt'])
    expect(onFile.code).toBe(1)
    expect(onFile.stderr).toBe(
      `materia dashboards: ${join(out, 'notes.txt')} is a file, not a build folder; give --out a folder (nothing was changed)\n`,
    )
    const onFolder = await cli(['site', 'build', '--pages', pages, '--out', 'out-guard/mine'])
    expect(onFolder.code).toBe(1)
    expect(onFolder.stderr).toBe(
      `materia site: ${join(out, 'mine')} holds files no materia build wrote (draft.md); give --out a new or empty folder (nothing was changed)\n`,
    )
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('an analyst note\n')
    expect(await readFile(join(out, 'mine', 'draft.md'), 'utf8')).toBe('# draft\n')
    expect((await readdir(out)).sort()).toEqual(['mine', 'notes.txt'])
    // An earlier build is replaced: with its marker, or from before the marker (index.html, assets/).
    expect((await cli(['dashboards', 'build', '--pages', pages, '--out', 'out-guard/built'])).code).toBe(0)
    expect((await cli(['dashboards', 'build', '--pages', pages, '--out', 'out-guard/built'])).code).toBe(0)
    await mkdir(join(out, 'older', 'assets'), { recursive: true })
    await writeFile(join(out, 'older', 'index.html'), '<h1>older build</h1>\n')
    expect((await cli(['dashboards', 'build', '--pages', pages, '--out', 'out-guard/older'])).code).toBe(0)
    expect(await readFile(join(out, 'older', 'index.html'), 'utf8')).not.toContain('older build')
  })

  it('--public-only leaves private pages out; --env resolves models to the environment', async () => {
    const pages = join(folder, 'pages-mixed')
    await mkdir(pages, { recursive: true })
    await writeFile(join(pages, 'open.md'), '---\ntitle: Open\npublic: true\n---\nopen\n')
    await writeFile(join(pages, 'internal.md'), '---\ntitle: Internal\n---\ninternal\n')
    expect(
      await cli(['dashboards', 'build', '--pages', pages, '--out', 'out/public', '--public-only']),
    ).toMatchObject({ code: 0 })
    const files = await snapshot(join(folder, 'out', 'public'))
    expect(files.has('open.html')).toBe(true)
    expect(files.has('internal.html')).toBe(false)
    expect(files.get('index.html')).not.toContain('Internal')
    // dev_alice, new, has prod's views; its agg_world_balance is made to stop at 2000. A page of the
    // latest year then says 2000 built against dev_alice and prod's own year against prod.
    const planned = await cli(['plan', 'dev_alice', '--auto-apply', '--skip-tests', '--project', project])
    expect(planned.code, planned.stderr).toBe(0)
    const instance = await DuckDBInstance.create(join(project, '.materia', 'local.duckdb'))
    const connection = await instance.connect()
    await connection.run(
      'CREATE OR REPLACE VIEW serving__dev_alice.agg_world_balance AS SELECT * FROM serving.agg_world_balance WHERE market_year <= 2000',
    )
    const prodLatest = String(
      (
        await connection.runAndReadAll('SELECT max(market_year) FROM serving.agg_world_balance')
      ).getRowsJS()[0]?.[0],
    )
    connection.closeSync()
    instance.closeSync()
    const latestPages = join(folder, 'pages-latest')
    await mkdir(latestPages, { recursive: true })
    await writeFile(
      join(latestPages, 'latest.md'),
      '---\ntitle: Latest\n---\n```sql latest\nSELECT CAST(max(market_year) AS VARCHAR) AS y FROM serving.agg_world_balance\n```\n\nLatest year: <Value data={latest} column=y />\n',
    )
    const latestIn = async (environment: string) => {
      const out = `out/latest-${environment}`
      const run = await cli([
        'dashboards',
        'build',
        '--pages',
        latestPages,
        '--out',
        out,
        '--env',
        environment,
      ])
      expect(run.code, run.stderr).toBe(0)
      return /Latest year: (?:<[^>]*>)*(\d+)/.exec(
        await readFile(join(folder, out, 'latest.html'), 'utf8'),
      )?.[1]
    }
    expect(prodLatest).not.toBe('2000')
    expect(await latestIn('dev_alice')).toBe('2000')
    expect(await latestIn('prod')).toBe(prodLatest)
  })

  it('rejects bad options and a missing database with one line', async () => {
    expect(await cli(['dashboards', 'build', '--colour'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^materia dashboards: unknown option --colour; usage: materia dashboards build/,
      ),
    })
    expect(await cli(['dashboards', 'build', '--env', 'Prod!'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/environment "Prod!" is not a valid name/),
    })
    const missing = await cli(['dashboards', 'build', '--project', 'nowhere'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^materia dashboards: .*nowhere.*materia\.yaml/)
    const empty = join(folder, 'empty-project')
    await mkdir(empty, { recursive: true })
    await cp(join(project, 'materia.yaml'), join(empty, 'materia.yaml'))
    const noDatabase = await cli(['dashboards', 'build', '--project', 'empty-project'])
    expect(noDatabase.stderr).toMatch(
      /empty-project\/\.materia\/local\.duckdb: no database yet; run materia start/,
    )
  })
})

describe('materia site build', () => {
  it('builds landing, methodology, pricing and public dashboards without Paddle or external references', async () => {
    const result = await cli(['site', 'build', '--pages', shippedPages, '--out', 'out/site'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('checkout hidden (no Paddle settings)')
    const files = await snapshot(join(folder, 'out', 'site'))
    for (const path of [
      'index.html',
      'methodology.html',
      'pricing.html',
      'dashboards/index.html',
      'dashboards/world-balance.html',
    ]) {
      expect(files.has(path)).toBe(true)
    }
    expect(externalReferences(files)).toEqual([])
    expect(files.get('pricing.html')).not.toContain('data-price-id')
    expect(files.get('dashboards/world-balance.html')).toContain('href="../assets/materia.css"')
    expect(files.get('methodology.html')).toContain('176 / (125 + 088)')
  })

  it('wires the checkout to Paddle.js when a client token and price ids are set', async () => {
    const env = {
      PADDLE_CLIENT_TOKEN: 'test_abc123',
      PADDLE_PRICE_IDS: 'Monthly=pri_01monthly,Yearly=pri_01yearly',
    }
    const result = await cli(['site', 'build', '--pages', shippedPages, '--out', 'out/paid'], env)
    expect(result.stdout).toContain('checkout wired (2 prices)')
    const files = await snapshot(join(folder, 'out', 'paid'))
    const pricing = files.get('pricing.html')!
    expect(pricing).toContain(
      '<button type="button" class="btn btn-primary" data-price-id="pri_01monthly">Monthly</button>',
    )
    expect(pricing).toContain('"token":"test_abc123"')
    expect(externalReferences(files)).toEqual([
      'pricing.html: src="https://cdn.paddle.com/paddle/v2/paddle.js',
    ])
    expect(files.has('assets/pricing.js')).toBe(true)
  })

  it('reads Paddle settings strictly', () => {
    expect(paddleConfigFrom({})).toBeNull()
    expect(paddleConfigFrom({ PADDLE_CLIENT_TOKEN: 'live_x1' })).toBeNull()
    expect(paddleConfigFrom({ PADDLE_CLIENT_TOKEN: 'live_x1', PADDLE_PRICE_IDS: 'pri_1' })).toEqual({
      token: 'live_x1',
      plans: [{ label: 'Subscribe', priceId: 'pri_1' }],
    })
    expect(() => paddleConfigFrom({ PADDLE_CLIENT_TOKEN: 'secret', PADDLE_PRICE_IDS: 'pri_1' })).toThrow(
      /not a Paddle client-side token/,
    )
    expect(() =>
      paddleConfigFrom({ PADDLE_CLIENT_TOKEN: 'live_x1', PADDLE_PRICE_IDS: 'Gold=price1' }),
    ).toThrow(/"Gold=price1" is not/)
  })
})
