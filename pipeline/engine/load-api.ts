// The loading half of the engine as the planner and apply use it: rendering, fingerprints and
// table-reference rewriting, in one place so the back half depends on exactly these functions.
export { type Fingerprint, fingerprintProject } from './fingerprint.ts'
export { type RenderContext as RenderOptions, renderModelQuery } from './render.ts'
export { rewriteTableReferences } from './sql-ast.ts'
