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

// What a failed file-system call on a path means to the user, by Node's error code: the machine's
// state (a file where a folder should be, no permission, a full disk), not a bug in the command.
const fileSystemCodes: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'a file of that name is in the way',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOTEMPTY: 'the folder is not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
}

// One line for a failed file-system call, or null when `error` is not one. Node names the path when
// the call took one (mkdir, open, rename); a read or write on an open file names none.
export function fileSystemProblem(error: unknown): string | null {
  if (!(error instanceof Error)) return null
  const { code, syscall, path } = error as NodeJS.ErrnoException
  const meaning = code === undefined ? undefined : fileSystemCodes[code]
  if (meaning === undefined || typeof syscall !== 'string') return null
  const call = typeof path === 'string' ? `${syscall} ${path}` : syscall
  return `${call} failed: ${meaning} (${code}); check the path and its permissions`
}
