// Goal: the CI/CD workflow, which cannot run here, is at least valid: YAML that parses into the
// shape GitHub Actions reads (on, jobs with runs-on and steps, each step `uses` or `run`), three
// stages in order (lint -> test -> deploy, deploy only for a push to main), the README's test
// command, the deploy's pulumi up followed by bootstrap-or-check, secrets only through
// `${{ secrets.* }}`, and every `run` script valid bash.
// Method: parse .github/workflows/ci.yml with the yaml package; `bash -n` each run script with the
// expressions replaced by a placeholder.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { requiredTools } from './prerequisites.ts'

const execFileAsync = promisify(execFile)
const root = join(import.meta.dirname, '..')

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
  readonly env?: Record<string, string>
}
interface Job {
  readonly 'runs-on': string
  readonly needs?: string
  readonly if?: string
  readonly env?: Record<string, string>
  readonly steps: readonly Step[]
}
interface Workflow {
  readonly name: string
  readonly on: Record<string, unknown>
  readonly jobs: Record<string, Job>
}

async function workflow(): Promise<{ text: string; parsed: Workflow }> {
  const text = await readFile(join(root, '.github/workflows/ci.yml'), 'utf8')
  return { text, parsed: parse(text) as Workflow }
}

describe('CI/CD workflow', () => {
  it('parses into lint -> test -> deploy, deploy only on a push to main', async () => {
    const { parsed } = await workflow()
    expect(Object.keys(parsed.on).sort()).toEqual(['pull_request', 'push'])
    expect(Object.keys(parsed.jobs)).toEqual(['lint', 'test', 'deploy'])
    expect(parsed.jobs.test?.needs).toBe('lint')
    expect(parsed.jobs.deploy?.needs).toBe('test')
    expect(parsed.jobs.deploy?.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'")
    for (const [name, job] of Object.entries(parsed.jobs)) {
      expect(typeof job['runs-on'], name).toBe('string')
      expect(job.steps.length, name).toBeGreaterThan(0)
      for (const step of job.steps) {
        expect(Number(step.uses !== undefined) + Number(step.run !== undefined), JSON.stringify(step)).toBe(1)
        if (step.uses !== undefined) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/)
      }
    }
  })

  it("runs the README's test command and deploys with pulumi up, then bootstraps or checks", async () => {
    const { parsed } = await workflow()
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    const runs = (job: string) => parsed.jobs[job]!.steps.map((step) => step.run ?? '')
    expect(readme).toMatch(/^npm test\s/m)
    expect(runs('lint')).toEqual(expect.arrayContaining(['npm run lint', 'npm run typecheck']))
    expect(runs('test')).toContain('npm test')
    const deploy = runs('deploy')
    const up = deploy.findIndex((run) => run.startsWith('pulumi up --yes --stack prod --cwd infra'))
    const bootstrap = deploy.findIndex((run) => run.includes('/opt/materia/app/.git'))
    expect(up).toBeGreaterThan(-1)
    expect(bootstrap).toBeGreaterThan(up)
    expect(deploy[bootstrap]).toContain('infra/bootstrap-supervisor.sh')
    expect(deploy[bootstrap]).toContain('systemctl is-active --quiet materia-supervisor.service')
  })

  it('tests with the Chromium the runner image ships, at the path the tests and prerequisites use', async () => {
    const { parsed } = await workflow()
    const test = parsed.jobs.test!.steps.map((step) => step.run ?? '').join('\n')
    const chromium = requiredTools({}).find((tool) => tool.name === 'chromium')!
    // ubuntu-24.04 links its Chromium at /usr/bin/chromium; Ubuntu's chromium-browser package
    // only installs the snap, which the image does not run.
    expect(parsed.jobs.test!['runs-on']).toBe('ubuntu-24.04')
    expect(test).toContain(`test -x ${chromium.path}`)
    expect(test).not.toMatch(/apt-get install[^\n]*chromium/)
    for (const tool of requiredTools({}).filter((entry) => entry.debianPackage.startsWith('openssh'))) {
      expect(test, tool.name).toContain(tool.debianPackage)
    }
  })

  it('takes secrets only from the secrets context and keeps no key on disk', async () => {
    const { text, parsed } = await workflow()
    const expressions = [...text.matchAll(/\$\{\{\s*([^}]+?)\s*\}\}/g)].map((match) => match[1]!)
    const secretNames = expressions.filter((expression) => expression.startsWith('secrets.'))
    expect(secretNames.sort()).toEqual([
      'secrets.HCLOUD_TOKEN',
      'secrets.MATERIA_GIT_URL',
      'secrets.PULUMI_ACCESS_TOKEN',
      'secrets.SUPERVISOR_SSH_KEY',
    ])
    const deploy = parsed.jobs.deploy!.steps.map((step) => step.run ?? '').join('\n')
    expect(deploy).toContain('ssh-add -')
    expect(deploy).not.toMatch(/>\s*~?\/?[\w./-]*id_\w+/)
  })

  it('has run scripts that are valid bash', async () => {
    const { parsed } = await workflow()
    for (const job of Object.values(parsed.jobs)) {
      for (const step of job.steps) {
        if (step.run === undefined) continue
        const script = step.run.replace(/\$\{\{[^}]*\}\}/g, 'placeholder')
        await expect(execFileAsync('bash', ['-n', '-c', script]), script).resolves.toBeDefined()
      }
    }
  })

  it('has supervisor scripts that are valid bash, and refuses an ESC environment without esc', async () => {
    for (const script of ['infra/bootstrap-supervisor.sh', 'infra/start-supervisor.sh']) {
      await expect(execFileAsync('bash', ['-n', join(root, script)])).resolves.toBeDefined()
    }
    const refused = await execFileAsync('bash', [join(root, 'infra/start-supervisor.sh')], {
      env: { PATH: '/usr/bin:/bin', MATERIA_ESC_ENV: 'materia/prod' },
    }).catch((error: { code: number; stderr: string }) => error)
    expect(refused).toMatchObject({ code: 1 })
    expect((refused as { stderr: string }).stderr).toContain(
      'MATERIA_ESC_ENV=materia/prod but the esc CLI is not installed',
    )
  })
})
