// Goal: each lint rule fires on a model that breaks it, with the right file line, and stays quiet on
// one that does not; severities follow the project's lint config and unknown rules are config errors.
// Method: a temp project (seed of the genuine PSD sample and models over it) linted with real DuckDB.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { type LintFinding, lintProject } from './lint.ts'
import type { Model } from './model.ts'
import type { LintSeverity } from './project.ts'
import { makeModel, makeProject } from './testing/project-fixture.ts'
import { psdSamplePath } from './testing/psd-sample.ts'

const described = { description: 'test model', grain: ['country_code'] }
const models: Model[] = [
  makeModel({
    name: 'seeds.psd_sample',
    kind: { name: 'SEED', path: 'psd_sample.csv' },
    query: '',
    ...described,
  }),
  makeModel({ name: 'raw.psd_landing', query: 'SELECT * FROM seeds.psd_sample' }),
  makeModel({
    name: 'staging.stg_psd',
    ...described,
    query:
      'SELECT\n  Country_Code AS country_code,\n  Market_Year AS market_year,\n  count(*) AS row_count\nFROM seeds.psd_sample\nGROUP BY ALL',
  }),
  makeModel({
    name: 'staging.star',
    query: 'SELECT\n  country_code\nFROM staging.stg_psd\nUNION ALL\nSELECT * FROM staging.stg_psd',
    queryLine: 3,
  }),
  makeModel({
    name: 'serving.ambiguous',
    ...described,
    query:
      'SELECT\n  a.market_year,\n  country_code\nFROM staging.stg_psd AS a\nJOIN staging.stg_psd AS b USING (market_year)',
  }),
  makeModel({
    name: 'serving.ctes',
    ...described,
    query:
      "WITH used AS (\n  SELECT country_code FROM staging.stg_psd\n),\nunused AS (\n  SELECT 1 AS one\n)\nSELECT country_code FROM used WHERE country_code <> '*'",
  }),
]
const parents = {
  'raw.psd_landing': ['seeds.psd_sample'],
  'staging.stg_psd': ['seeds.psd_sample'],
  'staging.star': ['staging.stg_psd'],
  'serving.ambiguous': ['staging.stg_psd'],
  'serving.ctes': ['staging.stg_psd'],
}

function project(lint: Record<string, LintSeverity> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'materia-lint-'))
  mkdirSync(join(root, 'models', 'seeds'), { recursive: true })
  copyFileSync(psdSamplePath, join(root, 'models', 'seeds', 'psd_sample.csv'))
  return makeProject(root, models, parents, { config: { lint } })
}

const brief = (findings: LintFinding[]) =>
  findings.map((f) => `${f.path}:${f.line} ${f.severity} ${f.rule}`).sort()

describe('lintProject', () => {
  it('reports each rule where it is broken and nowhere else', async () => {
    const findings = await lintProject(project())
    expect(brief(findings)).toEqual([
      'models/raw/psd_landing.sql:1 warn missing_description',
      'models/serving/ambiguous.sql:4 warn ambiguous_column',
      'models/serving/ctes.sql:5 warn unused_cte',
      'models/staging/star.sql:1 warn missing_description',
      'models/staging/star.sql:1 warn missing_grain',
      'models/staging/star.sql:7 warn select_star',
    ])
    const ambiguous = findings.find((f) => f.rule === 'ambiguous_column')
    expect(ambiguous?.message).toMatch(/Ambiguous reference to column name "country_code"/)
    expect(findings.find((f) => f.rule === 'unused_cte')?.message).toBe(
      'CTE unused is defined but never used; remove it',
    )
  })

  it('takes severities from the lint config and skips rules turned off', async () => {
    const findings = await lintProject(
      project({ select_star: 'error', missing_description: 'off', ambiguous_column: 'off' }),
    )
    expect(brief(findings)).toEqual([
      'models/serving/ctes.sql:5 warn unused_cte',
      'models/staging/star.sql:1 warn missing_grain',
      'models/staging/star.sql:7 error select_star',
    ])
    const off = {
      select_star: 'off',
      missing_grain: 'off',
      missing_description: 'off',
      ambiguous_column: 'off',
      unused_cte: 'off',
    } as const
    expect(await lintProject(project(off))).toEqual([])
  })

  it('rejects an unknown rule in the config', async () => {
    const error = await lintProject(project({ select_stars: 'warn' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MateriaError)
    expect((error as MateriaError).message).toMatch(
      /materia\.yaml lint: unknown rule select_stars; use select_star, /,
    )
  })
})
