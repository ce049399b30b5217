// Goal: `npm install` runs the install scripts the project needs, under npm's allowScripts policy
// (npm 11.16+ warns about every dependency with an install script that package.json does not
// list; npm 12 skips their scripts: better-sqlite3 would have no native binding, Electron no
// binary). Method: every package the lockfile marks hasInstallScript has an allowScripts entry,
// and every entry names such a package (a stale approval would hide a new one's review).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const readJson = (name: string) => JSON.parse(readFileSync(join(root, name), 'utf8'))

describe('install scripts', () => {
  it('approves exactly the dependencies whose install scripts the lockfile records', () => {
    const packages = readJson('package-lock.json').packages as Record<string, { hasInstallScript?: boolean }>
    const withScripts = Object.entries(packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    expect(withScripts).toContain('better-sqlite3')
    const allowed = readJson('package.json').allowScripts as Record<string, boolean>
    expect(Object.keys(allowed).sort()).toEqual([...new Set(withScripts)].sort())
    expect(Object.values(allowed).every((value) => value === true)).toBe(true)
  })
})
