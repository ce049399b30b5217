// Goal: the workbench's Run in prod lists the settings of the provider it will use: MATERIA_PROVIDER
// chooses it as for the CLI (hetzner by default, both for cheapest), so a Scaleway set-up is not
// told to export a Hetzner token, nor a Hetzner one a Scaleway key.
// Method: ProdRuns over plain environments; no server or cloud is needed to list settings.
import { describe, expect, it } from 'vitest'
import { ProdRuns } from './prod-runs.ts'

const bucket = {
  R2_ENDPOINT: 'e',
  R2_BUCKET: 'b',
  R2_ACCESS_KEY: 'a',
  R2_SECRET_KEY: 's',
  MATERIA_GIT_URL: 'g',
}
const missing = (env: NodeJS.ProcessEnv) =>
  new ProdRuns('/nowhere', env).missingSettings().map((setting) => setting.name)

describe('Run in prod settings', () => {
  it('names the missing credentials of the provider MATERIA_PROVIDER chooses', () => {
    expect(missing(bucket)).toEqual(['HETZNER_TOKEN'])
    expect(missing({ ...bucket, MATERIA_PROVIDER: 'scaleway' })).toEqual([
      'SCW_SECRET_KEY',
      'SCW_DEFAULT_PROJECT_ID',
    ])
    expect(
      missing({ ...bucket, MATERIA_PROVIDER: 'scaleway', SCW_SECRET_KEY: 'k', SCW_DEFAULT_PROJECT_ID: 'p' }),
    ).toEqual([])
    expect(missing({ ...bucket, MATERIA_PROVIDER: 'cheapest', HETZNER_TOKEN: 't' })).toEqual([
      'SCW_SECRET_KEY',
      'SCW_DEFAULT_PROJECT_ID',
    ])
  })
})
