// Goal: a changed audit is a metadata-only change (no table is rebuilt), yet it is evaluated before
// the environment moves: a tightened blocking audit that the current table fails stops the apply
// with one line and prod keeps its views and state; an audit the table passes is promoted.
// Method: the example project applied to prod with the real `main`, then dim_country's audits edited
// (accepted_values over its three genuine country codes) and planned into prod.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { databaseDigest, example, materia } from './testing/cli-run.ts'

describe('an audit change is evaluated before promotion', () => {
  let root: string
  let model: string
  let original: string
  const audits = 'audits (unique_values(columns := (country_code))),'
  beforeAll(async () => {
    root = temporaryDirectory('audit-change')
    cpSync(example, root, { recursive: true })
    model = join(root, 'models', 'serving', 'dim_country.sql')
    original = readFileSync(model, 'utf8')
    expect(original).toContain(audits)
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
  })

  it('a tightened blocking audit the table fails: apply refused, prod unchanged, audit prod passes', async () => {
    const before = await databaseDigest(root)
    writeFileSync(
      model,
      original.replace(
        audits,
        "audits (unique_values(columns := (country_code)), accepted_values(column := country_code, is_in := ('BR', 'CO'))),",
      ),
    )
    const plan = await materia(root, 'plan', 'prod')
    expect(plan.stdout).toMatch(
      /serving\.dim_country.*its audits run on the current table before the views switch/,
    )
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code).toBe(1)
    expect(applied.stderr).toMatch(/blocking audit accepted_values failed on serving\.dim_country/)
    expect(applied.stderr).toMatch(/no environment view changed/)
    expect(await databaseDigest(root)).toBe(before)
    writeFileSync(model, original)
    const audited = await materia(root, 'audit', 'prod')
    expect(audited.code, audited.stdout + audited.stderr).toBe(0)
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })

  it('an audit the table passes is promoted as metadata only, nothing rebuilt', async () => {
    writeFileSync(
      model,
      original.replace(
        audits,
        "audits (unique_values(columns := (country_code)), accepted_values(column := country_code, is_in := ('BR', 'CO', 'VM'))),",
      ),
    )
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toMatch(/applied to prod: 0 model\(s\) built/)
    expect((await materia(root, 'audit', 'prod')).code).toBe(0)
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
    writeFileSync(model, original)
  })
})
