// Shared test helpers: run the real CLI in-process, and fingerprint a landing folder (every file
// with its SHA-256) so a test can prove a failed run changed nothing.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { main } from '../../../cli.ts'

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

class Collect extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8')
    done()
  }
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliRun> {
  const stdout = new Collect()
  const stderr = new Collect()
  const code = await main(args, { cwd, env, stdout, stderr, isTTY: false })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

// The genuine CSV inside assets/data/psd_coffee_csv_2022-12.zip, checked with `unzip -p | sha256sum`.
export const genuineCsvSha256 = 'aaa23797ecc99323855bee20dfda2e48d52095d480d2a1b7dae132ca77a193ba'

// Every file under root (relative path -> SHA-256), optionally leaving one top folder out.
export function fingerprint(root: string, leaveOut?: string): Record<string, string> {
  const result: Record<string, string> = {}
  const walk = (folder: string) => {
    let names: string[]
    try {
      names = readdirSync(folder)
    } catch {
      return
    }
    for (const name of names) {
      const path = join(folder, name)
      const key = relative(root, path).split(sep).join('/')
      if (leaveOut !== undefined && key.split('/')[0] === leaveOut) continue
      if (statSync(path).isDirectory()) walk(path)
      else result[key] = sha256(readFileSync(path))
    }
  }
  walk(root)
  return result
}

export function gunzipFile(path: string): Buffer {
  return gunzipSync(readFileSync(path))
}
