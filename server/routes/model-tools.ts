// What the model editor asks about the model it shows: the column lineage of the word under the
// mouse (the engine's columnLineage, as `materia lineage` prints it), and a preview of the model or
// of the CTE under the cursor (its first rows in the navbar's environment, dbt Cloud's "preview").
// Both read the engine's project; the preview renders the editor's text with the engine's macros
// and finds the CTE with the engine's parser, so nothing here reads SQL itself.
import { Hono } from 'hono'
import { lineageText } from '../../pipeline/cli/lineage.ts'
import {
  columnGraph,
  columnLineage,
  cteAt,
  cteQuery,
  maskMacros,
  type Project,
  type RenderContext,
  renderMacros,
  splitModelFile,
  splitStatements,
} from '../../pipeline/engine/index.ts'
import { isMateriaError, MateriaError } from '../../pipeline/errors.ts'
import { modelPreviewRowsMax, querySqlBytesMax } from '../../pipeline/limits.ts'
import type { WorkbenchContext } from '../context.ts'
import { currentEnvironment, environmentRewrite } from '../environments.ts'
import { html } from '../html.ts'
import { modelsReadBy } from '../model-analysis.ts'
import { resultFrame } from './query.ts'

// A preview reads the model over all of time: incremental models filter on @start/@end, and a
// preview of one placeholder day would show nothing. The LIMIT keeps it cheap.
export function previewContext(now: Date = new Date()): RenderContext {
  return { start: new Date(0), end: now, executionTime: now, runtimeStage: 'evaluating' }
}

function requireProject(context: WorkbenchContext): Project {
  if (context.project === null) {
    throw new MateriaError(
      'model',
      `the project does not load: ${context.index.loadError ?? 'unknown error'}; fix it, then try again`,
    )
  }
  return context.project
}

// The lineage of a hovered word: the first of `candidates` that has it as a column, with what it
// is computed from and what uses it, as `materia lineage` prints them; { column: null } when the
// word is no column of any candidate. The model editor's candidates are its model and the models
// it reads; the query editor's are the models its query reads.
async function hoverLineage(
  project: Project,
  models: readonly string[],
  word: string,
): Promise<Record<string, string | null>> {
  if (!/^[A-Za-z_]\w{0,127}$/.test(word)) return { column: null }
  const column = word.toLowerCase()
  const candidates = models.filter((name) => project.models.has(name))
  const graph = await columnGraph(project, candidates)
  const owner = candidates.find((name) => graph.columns.get(name)?.includes(column))
  if (owner === undefined) return { column: null }
  const upstream = await columnLineage(project, owner, column, { direction: 'upstream' })
  const downstream = await columnLineage(project, owner, column, { direction: 'downstream' })
  return {
    model: owner,
    column,
    upstream: lineageText(upstream),
    downstream: lineageText(downstream),
  }
}

export function modelToolRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()

  // { model, column, upstream, downstream } as `materia lineage` prints them, or { column: null }
  // when the word is no column of the model or its parents.
  app.get('/api/lineage', async (c) => {
    const project = requireProject(context)
    const model = (c.req.query('model') ?? '').toLowerCase()
    const word = c.req.query('word') ?? ''
    if (!project.models.has(model))
      throw new MateriaError('usage', `unknown model "${model}"; open a model file to see lineage`)
    const startedMs = performance.now()
    const lineage = await hoverLineage(project, [model, ...(project.parents.get(model) ?? [])], word)
    c.header('Server-Timing', `lineage;dur=${(performance.now() - startedMs).toFixed(1)}`)
    return c.json(lineage)
  })

  // The same for the query editor: the word's lineage in the models the query text reads
  // ({ text, word } as JSON; the text may be a whole script, so it is posted, not put in the URL).
  app.post('/api/lineage/query', async (c) => {
    const project = requireProject(context)
    const body = await c.req.json<Record<string, unknown>>()
    const text = typeof body.text === 'string' ? body.text : ''
    const word = typeof body.word === 'string' ? body.word : ''
    if (Buffer.byteLength(text) > querySqlBytesMax) {
      throw new MateriaError('limit', `query is larger than querySqlBytesMax (${querySqlBytesMax} bytes)`)
    }
    const startedMs = performance.now()
    const lineage = await hoverLineage(project, await modelsReadBy(text, context.index), word)
    c.header('Server-Timing', `lineage;dur=${(performance.now() - startedMs).toFixed(1)}`)
    return c.json(lineage)
  })

  // The first rows of the model as the editor holds it (saved or not), or of the CTE whose
  // definition holds the cursor; a result grid fragment like the query page's.
  app.post('/models/preview', async (c) => {
    const form = await c.req.parseBody()
    const path = String(form.path ?? '')
    const text = String(form.text ?? '')
    const offset = Number(form.offset ?? -1)
    const environment = currentEnvironment(c, context)
    try {
      const project = requireProject(context)
      const entry = [...context.index.models.values()].find((model) => model.path === path)
      const model = entry === undefined ? undefined : project.models.get(entry.name)
      if (model === undefined) throw new MateriaError('usage', `${path} is not a model of this project`)
      const query = splitModelFile(text).query
      const queryStart = text.length - query.length
      const cte = offset >= queryStart ? await cteAt(maskMacros(query), offset - queryStart) : null
      const statements = splitStatements(renderMacros(project, model, previewContext(), query))
      if (statements.length !== 1)
        throw new MateriaError('model', `${path}: a model holds one query; found ${statements.length}`)
      const body = cte === null ? (statements[0] ?? '') : await cteQuery(statements[0] ?? '', cte)
      const result = await context.queries.run({
        sql: `SELECT * FROM (\n${body}\n) AS preview LIMIT ${modelPreviewRowsMax}`,
        environment,
        runId: `preview-${crypto.randomUUID()}`,
        rewrite: environmentRewrite(context, environment),
      })
      const what = cte === null ? model.name : `CTE ${cte} of ${model.name}`
      return c.html(
        html`<div class="flex flex-col gap-1" id="model-preview-result" data-preview="${cte ?? model.name}">
  <h2 class="text-sm font-semibold">Preview: ${what} <span class="opacity-70 font-normal">first ${modelPreviewRowsMax} rows in ${environment}</span></h2>
  ${resultFrame(result)}</div>`.text,
      )
    } catch (error) {
      if (!isMateriaError(error)) throw error
      return c.html(
        html`<div role="alert" class="alert alert-error font-mono text-sm whitespace-pre-wrap" data-error>${error.message}</div>`
          .text,
      )
    }
  })

  return app
}
