// Goal: the desktop shell's three defences that do not need the Electron binary (not installed
// here): navigation off the workbench's origin is cancelled in every frame (will-frame-navigate as
// well as will-navigate / will-redirect); the fuses flipped at build time are the documented
// hardening ones (RunAsNode off, cookie encryption on, ASAR integrity only with an app.asar); and a
// project switch whose new server cannot start keeps the old server running.
// Method: the navigation events emitted with the argument shapes of Electron's webContents docs on a
// Node EventEmitter; fuseConfig as a pure function checked against @electron/fuses' option indexes;
// real workbench servers over temporary fixture projects, called with fetch.
import { EventEmitter } from 'node:events'
import { FuseV1Options, FuseVersion } from '@electron/fuses'
import { afterEach, describe, expect, it } from 'vitest'
import { createFixtureProject, type FixtureProject } from '../server/testing/fixture-project.ts'
import { startWorkbench, type Workbench } from '../server/workbench.ts'
import { fuseConfig } from './fuses.ts'
import { guardNavigation, type NavigationSource } from './navigation-guard.ts'
import { switchProject } from './project-switch.ts'

function cancellable() {
  let cancelled = false
  return {
    event: {
      preventDefault: () => {
        cancelled = true
      },
    },
    cancelled: () => cancelled,
  }
}

describe('navigation guard', () => {
  const base = 'http://127.0.0.1:4321'
  const contents = new EventEmitter()
  guardNavigation(contents as unknown as NavigationSource, () => base)

  it('cancels a frame navigating off the workbench origin, in any frame', () => {
    for (const [url, isMainFrame] of [
      ['https://evil.example/', false],
      ['http://127.0.0.1:9999/', false],
      ['file:///etc/passwd', true],
    ] as const) {
      const { event, cancelled } = cancellable()
      contents.emit('will-frame-navigate', { ...event, url, isMainFrame, frame: null })
      expect(cancelled(), url).toBe(true)
    }
    const { event, cancelled } = cancellable()
    contents.emit('will-frame-navigate', {
      ...event,
      url: `${base}/dashboard-preview?page=x`,
      isMainFrame: false,
    })
    expect(cancelled()).toBe(false)
  })

  it('cancels main-frame navigations and redirects off the origin', () => {
    for (const name of ['will-navigate', 'will-redirect']) {
      const foreign = cancellable()
      contents.emit(name, foreign.event, 'https://evil.example/')
      expect(foreign.cancelled(), name).toBe(true)
      const own = cancellable()
      contents.emit(name, own.event, `${base}/models`)
      expect(own.cancelled(), name).toBe(false)
    }
  })
})

describe('fuses', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, encrypts cookies', () => {
    const config = fuseConfig({ hasAsar: false })
    expect(config.version).toBe(FuseVersion.V1)
    expect(config[FuseV1Options.RunAsNode]).toBe(false)
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true)
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false)
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false)
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false)
  })

  it('validates and requires app.asar only when the build has one', () => {
    const without = fuseConfig({ hasAsar: false })
    expect(without[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(false)
    expect(without[FuseV1Options.OnlyLoadAppFromAsar]).toBe(false)
    const withAsar = fuseConfig({ hasAsar: true })
    expect(withAsar[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true)
    expect(withAsar[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true)
  })
})

describe('switching project', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function started(): Promise<{ project: FixtureProject; workbench: Workbench }> {
    const project = createFixtureProject()
    const workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
    cleanups.push(() => project.remove())
    return { project, workbench }
  }

  const answers = async (workbench: Workbench) =>
    (
      await fetch(`${workbench.baseUrl}/api/environments`, {
        headers: { authorization: `Bearer ${workbench.token}` },
      })
    ).status

  it('keeps the old server when the new one cannot start', async () => {
    const current = await started()
    cleanups.push(() => current.workbench.close())
    // The other project is already served by another workbench: its lock refuses a second one.
    const other = await started()
    cleanups.push(() => other.workbench.close())
    const result = await switchProject(current.workbench, other.project.root, (root) =>
      startWorkbench({ projectRoot: root, env: { USER: 'test' } }),
    )
    expect(result.kind).toBe('kept')
    expect(result.workbench).toBe(current.workbench)
    if (result.kind === 'kept')
      expect(result.error).toBe(
        `${other.project.root}: a workbench (pid ${process.pid}) already serves this project at ${other.workbench.baseUrl}; ` +
          `use it or stop it first; still showing ${current.project.root}`,
      )
    expect(await answers(current.workbench)).toBe(200)
  })

  it('closes the old server only once the new one answers', async () => {
    const first = await started()
    const second = createFixtureProject()
    cleanups.push(() => second.remove())
    const result = await switchProject(first.workbench, second.root, (root) =>
      startWorkbench({ projectRoot: root, env: { USER: 'test' } }),
    )
    expect(result.kind).toBe('switched')
    cleanups.push(() => result.workbench.close())
    expect(result.workbench.context.root).toBe(second.root)
    expect(await answers(result.workbench)).toBe(200)
    await expect(answers(first.workbench)).rejects.toThrow()
  })
})
