// A line diff (longest common subsequence) for the plan page: each directly modified model's query
// in the environment against the edited file. Model queries are tens of lines, so the quadratic
// table is small; past diffLinesMax lines it shows the two texts whole instead.
export type DiffLine = { readonly kind: 'same' | 'added' | 'removed'; readonly text: string }

const diffLinesMax = 2_000

export function lineDiff(before: string, after: string): DiffLine[] {
  const left = before.split('\n')
  const right = after.split('\n')
  if (left.length > diffLinesMax || right.length > diffLinesMax) {
    return [
      ...left.map((text): DiffLine => ({ kind: 'removed', text })),
      ...right.map((text): DiffLine => ({ kind: 'added', text })),
    ]
  }
  // lengths[i][j]: LCS length of left[i..] and right[j..].
  const lengths = Array.from({ length: left.length + 1 }, () => new Uint32Array(right.length + 1))
  for (let i = left.length - 1; i >= 0; i -= 1) {
    for (let j = right.length - 1; j >= 0; j -= 1) {
      lengths[i]![j] =
        left[i] === right[j]
          ? lengths[i + 1]![j + 1]! + 1
          : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!)
    }
  }
  const lines: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    if (i < left.length && j < right.length && left[i] === right[j]) {
      lines.push({ kind: 'same', text: left[i]! })
      i += 1
      j += 1
    } else if (i < left.length && (j >= right.length || lengths[i + 1]![j]! >= lengths[i]![j + 1]!)) {
      // Removed lines before added ones, as diff -u prints a replacement.
      lines.push({ kind: 'removed', text: left[i]! })
      i += 1
    } else {
      lines.push({ kind: 'added', text: right[j]! })
      j += 1
    }
  }
  return lines
}

// A hunk of a unified diff: the lines around changes, with the 1-based line numbers where it starts
// on each side (as in `diff -u`: "@@ -beforeStart,beforeCount +afterStart,afterCount @@").
export interface DiffHunk {
  readonly beforeStart: number
  readonly beforeCount: number
  readonly afterStart: number
  readonly afterCount: number
  readonly lines: readonly DiffLine[]
  readonly skippedBefore: number // unchanged lines collapsed before this hunk
}

// Groups a line diff into unified-diff hunks with `context` unchanged lines around each change;
// longer unchanged runs between hunks are collapsed (counted in skippedBefore).
export function unifiedHunks(lines: readonly DiffLine[], context = 3): DiffHunk[] {
  const changed = lines.flatMap((line, index) => (line.kind === 'same' ? [] : [index]))
  if (changed.length === 0) return []
  const ranges: [number, number][] = []
  for (const index of changed) {
    const start = Math.max(0, index - context)
    const end = Math.min(lines.length, index + context + 1)
    const previous = ranges.at(-1)
    if (previous !== undefined && start <= previous[1]) previous[1] = Math.max(previous[1], end)
    else ranges.push([start, end])
  }
  const hunks: DiffHunk[] = []
  let before = 1
  let after = 1
  let position = 0
  for (const [start, end] of ranges) {
    for (; position < start; position += 1) {
      const kind = lines[position]?.kind
      if (kind !== 'added') before += 1
      if (kind !== 'removed') after += 1
    }
    const slice = lines.slice(start, end)
    const beforeCount = slice.filter((line) => line.kind !== 'added').length
    const afterCount = slice.filter((line) => line.kind !== 'removed').length
    const previousEnd = hunks.length === 0 ? 0 : ranges[hunks.length - 1]![1]
    hunks.push({
      beforeStart: before,
      beforeCount,
      afterStart: after,
      afterCount,
      lines: slice,
      skippedBefore: start - previousEnd,
    })
    before += beforeCount
    after += afterCount
    position = end
  }
  return hunks
}
