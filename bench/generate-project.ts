// Generates a transform project of N models in four layers (raw -> staging -> cleaned -> serving)
// with fan-in (each model reads 1-3 models of the layer before) and skewed fan-out (a few parents
// feed many children), for load, fingerprint and plan benchmarks. Deterministic: the same options
// give the same files. Raw models read DuckDB's range() so the project can also be applied.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface GenerateOptions {
  readonly models: number
  readonly rowsPerRawModel?: number // rows each raw model produces when applied (default 100)
  readonly seed?: number
}

export interface GeneratedProject {
  readonly root: string
  readonly models: readonly string[] // names, layer by layer
  readonly leaves: readonly string[] // serving models: nothing reads them
}

const layers = ['raw', 'staging', 'cleaned', 'serving'] as const
const layerShares = [0.1, 0.3, 0.4, 0.2]

// A small linear congruential generator: deterministic and good enough to pick parents.
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  }
}

function rawModel(name: string, rows: number): string {
  return `MODEL (
  name ${name},
  kind FULL,
  grain (id),
  description 'generated raw rows'
);
SELECT
  range::BIGINT AS id,
  (range % 7)::INTEGER AS k,
  (range * 1.5)::DOUBLE AS v -- a measure
FROM range(${rows})
`
}

function derivedModel(name: string, parents: readonly string[], index: number): string {
  const ctes = parents.map(
    (parent, position) => `p${position} AS (\n  SELECT id, k, v FROM ${parent} WHERE v >= 0\n)`,
  )
  const joins = parents.slice(1).map((_, position) => `LEFT JOIN p${position + 1} USING (id)`)
  const sum = parents.map((_, position) => `coalesce(p${position}.v, 0)`).join(' + ')
  return `MODEL (
  name ${name},
  kind ${index % 5 === 0 ? 'VIEW' : 'FULL'},
  grain (id),
  audits (not_null(columns := (id))),
  tags (generated),
  description 'generated model ${index}'
);
WITH ${ctes.join(',\n')}
SELECT
  p0.id AS id,
  p0.k AS k,
  (${sum})::DOUBLE AS v,
  row_number() OVER (PARTITION BY p0.k ORDER BY p0.id) AS rank_in_k
FROM p0
${joins.join('\n')}
`
}

export function generateProject(dir: string, options: GenerateOptions): GeneratedProject {
  const next = random(options.seed ?? 42)
  const rows = options.rowsPerRawModel ?? 100
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'materia.yaml'),
    "name: generated\nmodel_defaults: { start: '2024-01-01', cron: '@daily' }\n",
  )
  const counts = layerShares.map((share) => Math.max(1, Math.round(options.models * share)))
  counts[2] = Math.max(1, options.models - counts[0]! - counts[1]! - counts[3]!)
  const byLayer: string[][] = []
  let index = 0
  for (const [layerIndex, layer] of layers.entries()) {
    mkdirSync(join(dir, 'models', layer), { recursive: true })
    const names: string[] = []
    for (let position = 0; position < counts[layerIndex]!; position += 1) {
      const table = `${layer}_${String(index).padStart(5, '0')}`
      const name = `${layer}.${table}`
      const previous = byLayer[layerIndex - 1]
      let text: string
      if (previous === undefined) {
        text = rawModel(name, rows)
      } else {
        const fanIn = 1 + Math.floor(next() * 3)
        // Squaring skews the choice towards the first parents: a few models feed many.
        const parents = new Set(
          Array.from({ length: fanIn }, () => previous[Math.floor(next() ** 2 * previous.length)]!),
        )
        text = derivedModel(name, [...parents].sort(), index)
      }
      writeFileSync(join(dir, 'models', layer, `${table}.sql`), text)
      names.push(name)
      index += 1
    }
    byLayer.push(names)
  }
  return { root: dir, models: byLayer.flat(), leaves: byLayer.at(-1)! }
}
