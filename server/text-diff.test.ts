// Goal: the plan page's diff is a true unified diff. Method: hunks of known line diffs are compared
// with what `diff -u` prints for the same texts (3 lines of context, line numbers per side).
import { describe, expect, it } from 'vitest'
import { lineDiff, unifiedHunks } from './text-diff.ts'

const numbered = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`)

describe('unifiedHunks', () => {
  it('keeps 3 lines of context and numbers both sides as diff -u does', () => {
    const before = numbered(20)
    const after = [...before]
    after[9] = 'line 10 changed'
    const hunks = unifiedHunks(lineDiff(before.join('\n'), after.join('\n')))
    expect(hunks).toHaveLength(1)
    const hunk = hunks[0]!
    // diff -u: @@ -7,7 +7,7 @@ with lines 7-9 context, -10 +10, lines 11-13 context.
    expect([hunk.beforeStart, hunk.beforeCount, hunk.afterStart, hunk.afterCount]).toEqual([7, 7, 7, 7])
    expect(hunk.skippedBefore).toBe(6)
    expect(hunk.lines.map((line) => line.kind)).toEqual([
      'same',
      'same',
      'same',
      'removed',
      'added',
      'same',
      'same',
      'same',
    ])
  })

  it('splits far-apart changes into two hunks and merges near ones; equal texts give none', () => {
    const before = numbered(30)
    const far = [...before]
    far[2] = 'x'
    far[25] = 'y'
    expect(unifiedHunks(lineDiff(before.join('\n'), far.join('\n')))).toHaveLength(2)
    const near = [...before]
    near[2] = 'x'
    near[8] = 'y'
    const merged = unifiedHunks(lineDiff(before.join('\n'), near.join('\n')))
    expect(merged).toHaveLength(1)
    expect([merged[0]!.beforeStart, merged[0]!.beforeCount]).toEqual([1, 12])
    expect(unifiedHunks(lineDiff(before.join('\n'), before.join('\n')))).toEqual([])
  })

  it('counts an added line on the after side only', () => {
    const hunks = unifiedHunks(lineDiff('a\nb\nc', 'a\nb\nnew\nc'))
    expect(hunks).toEqual([
      {
        beforeStart: 1,
        beforeCount: 3,
        afterStart: 1,
        afterCount: 4,
        skippedBefore: 0,
        lines: [
          { kind: 'same', text: 'a' },
          { kind: 'same', text: 'b' },
          { kind: 'added', text: 'new' },
          { kind: 'same', text: 'c' },
        ],
      },
    ])
  })
})
