// Goal: a second process opening a database file in use is told who holds it, in one line.
// Method: a real child process holds the file; this process tries to open it.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { lockHolder, openDatabase } from './database.ts'
import { temporaryDirectory } from './testing/test-project.ts'

const child = new URL('./testing/apply-child.ts', import.meta.url).pathname

describe('database lock', () => {
  let holder: ChildProcess | null = null
  afterEach(() => {
    holder?.kill('SIGKILL')
    holder = null
  })

  it('names the process holding the file', async () => {
    const root = temporaryDirectory('lock')
    const database = join(root, 'local.duckdb')
    const input = {
      mode: 'hold',
      root,
      database,
      specs: [],
      environment: 'dev_x',
      now: new Date().toISOString(),
    }
    const spawned = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    holder = spawned
    await new Promise<void>((resolve, reject) => {
      spawned.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve()
      })
      spawned.on('exit', (code) => reject(new Error(`holder exited ${code}`)))
    })
    const error = await openDatabase(database).catch((caught: unknown) => caught)
    expect(isMateriaError(error) && error.code).toBe('lock')
    const message = (error as Error).message
    expect(message).toContain(`${database} is in use by process ${spawned.pid}`)
    expect(message).toContain('close it or run this command through the workbench')
    expect(message.includes('\n')).toBe(false)
  })

  it('parses DuckDB lock messages', () => {
    const message =
      'IO Error: Could not set lock on file "/x.duckdb": Conflicting lock is held in /usr/bin/node (PID 8887). See also'
    expect(lockHolder(message)).toEqual({ pid: 8887, program: '/usr/bin/node' })
    expect(lockHolder('other')).toEqual({ pid: null, program: null })
  })
})
