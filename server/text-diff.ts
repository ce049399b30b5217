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
    } else if (j < right.length && (i >= left.length || lengths[i]![j + 1]! >= lengths[i + 1]![j]!)) {
      lines.push({ kind: 'added', text: right[j]! })
      j += 1
    } else {
      lines.push({ kind: 'removed', text: left[i]! })
      i += 1
    }
  }
  return lines
}
