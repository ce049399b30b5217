// Goal: materia.yaml is read with its defaults and overrides, and every mistake in it is reported
// as materia.yaml:line with what to do. Method: write real files into a temp folder and load them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from './config.ts'

const roots: string[] = []

function projectWith(yaml: string): string {
  const root = mkdtempSync(join(tmpdir(), 'materia-config-'))
  roots.push(root)
  writeFileSync(join(root, 'materia.yaml'), yaml)
  return root
}

function configError(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(projectWith(yaml), env)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a config error')
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

describe('loadConfig', () => {
  it('fills every default from a name alone', () => {
    const root = projectWith('name: beanflows\n')
    const config = loadConfig(root, {})
    expect(config.name).toBe('beanflows')
    expect(config.defaultGateway).toBe('local')
    expect(config.gateways).toEqual({
      local: { type: 'duckdb', path: join(root, '.materia', 'local.duckdb') },
    })
    expect(config.modelDefaults).toEqual({ start: '2006-01-01', cron: '@daily' })
    expect(config.auditGrain).toBe(false)
    expect(loadConfig(projectWith('name: x\naudit_grain: true\n'), {}).auditGrain).toBe(true)
    expect(configError('name: x\naudit_grain: yes please\n')).toBe(
      'materia.yaml:2 audit_grain is "yes please"; use true or false',
    )
    expect(config.landingDir).toBe(join(root, '.materia', 'landing'))
    expect(config.variables).toEqual({ landing_dir: join(root, '.materia', 'landing') })
    expect(config.lint).toEqual({})
    expect(config.defaultEnvironment).toMatch(/^dev_[a-z0-9_]+$/)
  })

  it('reads the full format and lets MATERIA_LANDING and MATERIA_ENV win', () => {
    const yaml = `name: beanflows
default_gateway: other
gateways:
  local: { type: duckdb, path: .materia/local.duckdb }
  other: { type: duckdb, path: /data/other.duckdb }
model_defaults: { start: '2010-01-01', cron: '@monthly' }
landing: landing_files
default_environment: dev_team
variables: { some_var: 1, label: 'x', flag: true, nothing: null }
lint: { select_star: warn, missing_grain: off }
`
    const root = projectWith(yaml)
    const config = loadConfig(root, {})
    expect(config.defaultGateway).toBe('other')
    expect(config.gateways.other).toEqual({ type: 'duckdb', path: '/data/other.duckdb' })
    expect(config.modelDefaults).toEqual({ start: '2010-01-01', cron: '@monthly' })
    expect(config.landingDir).toBe(join(root, 'landing_files'))
    expect(config.defaultEnvironment).toBe('dev_team')
    expect(config.variables).toEqual({
      some_var: 1,
      label: 'x',
      flag: true,
      nothing: null,
      landing_dir: join(root, 'landing_files'),
    })
    expect(config.lint).toEqual({ select_star: 'warn', missing_grain: 'off' })
    const overridden = loadConfig(root, { MATERIA_LANDING: '/srv/landing', MATERIA_ENV: 'prod' })
    expect(overridden.landingDir).toBe('/srv/landing')
    expect(overridden.variables.landing_dir).toBe('/srv/landing')
    expect(overridden.defaultEnvironment).toBe('prod')
  })
})

describe('loadConfig rejects bad input', () => {
  const cases: [string, string, string][] = [
    [
      'an unclosed flow map',
      'name: x\ngateways:\n  local: { type: duckdb\n',
      'materia.yaml:4 Flow map in block collection must be sufficiently indented and end with a }; fix the YAML',
    ],
    [
      'a bad indentation',
      'name: x\nlint:\n  select_star: warn\n    other: off\n',
      'materia.yaml:3 Nested mappings are not allowed in compact mappings; fix the YAML',
    ],
    ['a duplicate key', 'name: x\nname: y\n', 'materia.yaml:2 Map keys must be unique; fix the YAML'],
    [
      'an unknown top-level key',
      'name: x\n\nmodel_default: {}\n',
      'materia.yaml:3 unknown key "model_default" in materia.yaml; use name | default_gateway | gateways | model_defaults | landing | default_environment | variables | lint | audit_grain | workers | schedule',
    ],
    [
      'an unknown gateway key',
      'name: x\ngateways:\n  local:\n    type: duckdb\n    file: x.duckdb\n',
      'materia.yaml:5 unknown key "file" in gateway local; use type | path',
    ],
    [
      'a gateway type',
      'name: x\ngateways:\n  local:\n    type: postgres\n',
      'materia.yaml:4 gateway local has type "postgres"; the only type is duckdb',
    ],
    [
      'a missing default gateway',
      'name: x\ndefault_gateway: remote\n',
      'materia.yaml:2 default_gateway "remote" is not under gateways; use local',
    ],
    [
      'a bad start date',
      "name: x\nmodel_defaults:\n  start: '2020-13-01'\n",
      'materia.yaml:3 model_defaults start "2020-13-01" is not an ISO date like \'2006-01-01\'',
    ],
    [
      'a bad cron',
      "name: x\nmodel_defaults:\n  cron: 'sometimes'\n",
      'materia.yaml:3 model_defaults cron "sometimes" is not @hourly | @daily | @weekly | @monthly or a cron expression',
    ],
    [
      'a bad lint severity',
      'name: x\nlint:\n  select_star: loud\n',
      'materia.yaml:3 lint select_star is "loud"; use error | warn | off',
    ],
    [
      'a list variable',
      'name: x\nvariables:\n  years: [1, 2]\n',
      'materia.yaml:3 variable years must be a single value, not a list or mapping',
    ],
    [
      'landing_dir as a variable',
      'name: x\nvariables:\n  landing_dir: /x\n',
      'materia.yaml:3 variable landing_dir is set by landing: (or MATERIA_LANDING); remove it from variables',
    ],
    ['a missing name', 'landing: x\n', 'materia.yaml:1 has no name; add name: <project name>'],
    ['an empty file', '# nothing\n', 'materia.yaml:1 is empty; it needs at least name: <project name>'],
    ['a list at the top', '- name\n', 'materia.yaml:1 materia.yaml must be a mapping (key: value lines)'],
    [
      'a bad environment',
      'name: x\ndefault_environment: Dev Alice\n',
      'materia.yaml:2 default_environment "Dev Alice" is not an environment name (lower case letters, digits, _), e.g. prod or dev_alice',
    ],
  ]
  for (const [what, yaml, message] of cases) {
    it(what, () => {
      expect(configError(yaml)).toBe(message)
    })
  }

  it('a bad MATERIA_ENV and a missing file', () => {
    expect(configError('name: x\n', { MATERIA_ENV: 'a-b' })).toBe(
      'MATERIA_ENV "a-b" is not an environment name (lower case letters, digits, _), e.g. prod or dev_alice',
    )
    const root = mkdtempSync(join(tmpdir(), 'materia-config-'))
    roots.push(root)
    expect(() => loadConfig(root, {})).toThrow(
      `${join(root, 'materia.yaml')} not found; run from a project folder or pass --project DIR`,
    )
  })
})
