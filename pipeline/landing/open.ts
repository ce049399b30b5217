// Chooses the landing store from a `--landing` value and the environment:
//   s3://bucket/prefix       -> S3/R2 (endpoint and keys from R2_ENDPOINT, R2_ACCESS_KEY, R2_SECRET_KEY)
//   a folder path            -> local folder (relative to cwd)
//   nothing, R2_* all set    -> S3/R2 at R2_BUCKET
//   nothing                  -> MATERIA_LANDING, else <project>/.materia/landing
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MateriaError } from '../errors.ts'
import { LocalLandingStore } from './local-store.ts'
import { S3LandingStore } from './s3-store.ts'
import type { LandingStore } from './store.ts'

export type Environment = Readonly<Record<string, string | undefined>>

export interface OpenOptions {
  readonly cwd?: string
  // The local landing folder when neither a spec nor R2_* names a store (the CLI passes the
  // project's); without it: MATERIA_LANDING, else <cwd or ./sql>/.materia/landing.
  readonly localDir?: string
}

// The project convention (see pipeline/cli/project-option.ts): the cwd when it holds materia.yaml,
// else ./sql.
function projectDirOf(cwd: string): string {
  return existsSync(join(cwd, 'materia.yaml')) ? cwd : join(cwd, 'sql')
}

export function defaultLandingDir(projectDir: string, env: Environment, cwd: string): string {
  const override = env.MATERIA_LANDING
  if (override !== undefined && override !== '') return resolve(cwd, override)
  return join(projectDir, '.materia', 'landing')
}

function s3FromSpec(spec: string, env: Environment): S3LandingStore {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,62})(?:\/(.*))?$/.exec(spec)
  if (match === null) {
    throw new MateriaError('usage', `--landing ${spec}: expected s3://bucket or s3://bucket/prefix`)
  }
  const missing = ['R2_ENDPOINT', 'R2_ACCESS_KEY', 'R2_SECRET_KEY'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new MateriaError('landing', `--landing ${spec} needs ${missing.join(', ')} in the environment`)
  }
  const rawPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '')
  return new S3LandingStore({
    endpoint: env.R2_ENDPOINT!,
    bucket: match[1]!,
    prefix: rawPrefix === '' ? '' : `${rawPrefix}/`,
    accessKeyId: env.R2_ACCESS_KEY!,
    secretAccessKey: env.R2_SECRET_KEY!,
  })
}

export function openLandingStore(
  spec: string | undefined,
  env: Environment,
  options: OpenOptions = {},
): LandingStore {
  const cwd = options.cwd ?? process.cwd()
  if (spec?.startsWith('s3://')) return s3FromSpec(spec, env)
  if (spec !== undefined && spec !== '') return new LocalLandingStore(resolve(cwd, spec))
  if (env.R2_ENDPOINT && env.R2_BUCKET && env.R2_ACCESS_KEY && env.R2_SECRET_KEY) {
    return s3FromSpec(`s3://${env.R2_BUCKET}`, env)
  }
  return new LocalLandingStore(options.localDir ?? defaultLandingDir(projectDirOf(cwd), env, cwd))
}
