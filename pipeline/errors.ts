// Operating errors: expected failures caused by input, files, the network or the database.
// The message says what failed, where (file:line, URL, model) and what to do next, on one line.
export type MateriaErrorCode =
  | 'config' // materia.yaml missing or invalid
  | 'model' // a model file is malformed (header, kind, property, SQL syntax)
  | 'dag' // duplicate model, cycle, unknown reference
  | 'plan' // a plan cannot be built or was refused
  | 'apply' // a query failed while applying
  | 'lock' // another process holds the database
  | 'state' // materia_state is inconsistent or from a newer version
  | 'usage' // bad command-line arguments
  | 'extract' // a download or landing failed
  | 'landing' // a landing store failed
  | 'test' // a unit test failed or is malformed
  | 'audit' // a blocking audit failed
  | 'query' // an ad-hoc query failed
  | 'limit' // a limit from limits.ts was exceeded
  | 'remote' // a cloud worker or SSH session failed
  | 'dashboard' // a dashboard page is malformed
  | 'workbench' // the local server could not start or refused a request

export class MateriaError extends Error {
  readonly code: MateriaErrorCode

  constructor(code: MateriaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MateriaError'
    this.code = code
  }
}

export function isMateriaError(error: unknown): error is MateriaError {
  return error instanceof MateriaError
}
