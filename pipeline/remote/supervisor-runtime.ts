// The supervisor's real dependencies: the wall clock, its git clone (fetch, fast-forward main,
// npm ci when the lockfile changed), each scheduled run as a child `materia pipeline run` (so it
// runs the code just fetched, and SIGTERM reaches it to destroy its worker), the slot state and
// the JSON-lines log under <project>/.materia/, and the alert webhook.
import { execFile, spawn } from 'node:child_process'
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { MateriaError } from '../errors.ts'
import {
  alertTimeoutMs,
  supervisorGitTimeoutMs,
  supervisorNpmCiTimeoutMs,
  supervisorRunTimeoutMs,
} from '../limits.ts'
import type { PipelineName } from './config.ts'
import { createRedactedLines, type Redactor } from './redact.ts'
import type { Clock, SupervisorEntry, SupervisorRunOutcome } from './supervisor.ts'
import { gitAuthEnv } from './worker-steps.ts'

const execFileAsync = promisify(execFile)

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms)
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          reject(signal.reason)
        },
        { once: true },
      )
    }),
}

async function gitOut(repoRoot: string, ...args: string[]): Promise<string> {
  return gitWith(repoRoot, {}, ...args)
}

async function gitWith(repoRoot: string, env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd: repoRoot,
    timeout: supervisorGitTimeoutMs,
    env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' },
  })
  return stdout.trim()
}

// Fetches main (with GIT_READ_TOKEN through GIT_CONFIG_* variables, never a URL or a file) and
// fast-forwards to it; runs npm ci when package-lock.json changed. A clone with local commits
// (not a fast-forward) is left as it is and reported.
export async function updateClone(repoRoot: string, branch = 'main', token?: string): Promise<string | null> {
  await gitWith(repoRoot, gitAuthEnv(token), 'fetch', '--quiet', 'origin', branch)
  const before = await gitOut(repoRoot, 'rev-parse', 'HEAD')
  const after = await gitOut(repoRoot, 'rev-parse', 'FETCH_HEAD')
  if (before === after) return null
  const lockChanged =
    (await gitOut(repoRoot, 'diff', '--name-only', before, after, '--', 'package-lock.json')) !== ''
  try {
    await gitOut(repoRoot, 'merge', '--ff-only', '--quiet', after)
  } catch {
    throw new MateriaError(
      'remote',
      `${repoRoot}: cannot fast-forward ${before.slice(0, 12)} to origin/${branch} ${after.slice(0, 12)}; the clone has local commits`,
    )
  }
  if (lockChanged) {
    await execFileAsync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: repoRoot,
      timeout: supervisorNpmCiTimeoutMs,
    })
  }
  return `updated ${before.slice(0, 12)} -> ${after.slice(0, 12)}${lockChanged ? ' (npm ci)' : ''}`
}

// One scheduled run as a child process; its output goes to our log, redacted.
export function runChild(input: {
  repoRoot: string
  projectRoot: string
  pipeline: PipelineName
  remote: boolean
  env: NodeJS.ProcessEnv
  redact: Redactor
  log: (line: string) => void
  signal: AbortSignal
}): Promise<SupervisorRunOutcome> {
  const args = [
    join(input.repoRoot, 'bin/materia.js'),
    'pipeline',
    'run',
    input.pipeline,
    '--env',
    'prod',
    '--project',
    input.projectRoot,
  ]
  if (input.remote) args.push('--remote')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: input.repoRoot,
      env: input.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let lastLine = ''
    // One redacting stream per pipe: a secret split across two chunks is still masked.
    const outputs = [child.stdout, child.stderr].map((pipe) => {
      const lines = createRedactedLines(input.redact, (line) => {
        if (line === '') return
        lastLine = line
        input.log(`${input.pipeline}: ${line}`)
      })
      pipe.setEncoding('utf8')
      pipe.on('data', (chunk: string) => lines.push(chunk))
      return lines
    })
    const stop = () => child.kill('SIGTERM')
    const timer = setTimeout(stop, supervisorRunTimeoutMs)
    input.signal.addEventListener('abort', stop, { once: true })
    child.on('close', (code) => {
      clearTimeout(timer)
      input.signal.removeEventListener('abort', stop)
      for (const lines of outputs) lines.end()
      resolve(
        code === 0
          ? { outcome: 'done', message: 'ok' }
          : { outcome: 'failed', message: lastLine || `exit ${code}` },
      )
    })
  })
}

export function supervisorFiles(projectRoot: string) {
  const dir = join(projectRoot, '.materia')
  return { slots: join(dir, 'supervisor-slots.json'), log: join(dir, 'supervisor.jsonl') }
}

export async function readSlots(path: string): Promise<Record<string, string>> {
  const text = await readFile(path, 'utf8').catch(() => '{}')
  try {
    return JSON.parse(text) as Record<string, string>
  } catch {
    throw new MateriaError(
      'state',
      `${path} is not valid JSON; fix or delete it (the latest missed slot then runs once)`,
    )
  }
}

// Written to a temporary name and renamed, so a crash never leaves half a file.
export async function writeSlots(path: string, slots: Record<string, string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(`${path}.tmp`, `${JSON.stringify(slots, null, 2)}\n`)
  await rename(`${path}.tmp`, path)
}

export async function appendEntry(path: string, entry: SupervisorEntry): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(entry)}\n`)
}

// The alert for a run that failed its last attempt: one JSON POST to ALERT_WEBHOOK_URL, shaped for
// the service the URL names. Slack incoming webhooks read `text`, Discord webhooks `content`; any
// other URL is taken as an ntfy topic (https://ntfy.sh/<topic>), published as JSON to the server's
// root with `topic`, `title` and `message` (docs.ntfy.sh/publish, "Publish as JSON").
export function alertRequest(
  webhookUrl: string,
  title: string,
  message: string,
): { url: string; body: unknown } {
  const url = new URL(webhookUrl)
  if (url.hostname === 'hooks.slack.com') return { url: webhookUrl, body: { text: `${title}\n${message}` } }
  if (/(^|\.)discord(app)?\.com$/.test(url.hostname)) {
    return { url: webhookUrl, body: { content: `**${title}**\n${message}` } }
  }
  const topic = url.pathname.replace(/^\/+|\/+$/g, '')
  return { url: `${url.origin}/`, body: { topic, title, message } }
}

export async function sendAlert(webhookUrl: string, title: string, message: string): Promise<void> {
  const request = alertRequest(webhookUrl, title, message)
  const response = await fetch(request.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
    signal: AbortSignal.timeout(alertTimeoutMs),
  })
  await response.body?.cancel()
  if (!response.ok) throw new MateriaError('remote', `alert webhook answered HTTP ${response.status}`)
}
