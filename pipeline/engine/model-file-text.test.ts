// Goal: the one SQL text scan (scanSql) and the splitters built on it read quoting, comments and
// brackets as DuckDB does: a quote inside a string literal is written doubled ('It''s', DuckDB's
// "Literal Types" page), "..." is an identifier, -- runs to the end of the line, /* */ is a block
// comment, and '(' and '[' nest alike. Method: plain text in, pieces and splits out.
import { describe, expect, it } from 'vitest'
import { scanSql, skipBlank, splitModelFile, splitStatements, splitTopLevel } from './model-file-text.ts'
import { splitSqlList } from './sql-list.ts'

function pieces(text: string, from = 0): string[] {
  return [...scanSql(text, from)].map(
    (piece) => `${piece.kind}:${piece.depth}:${text.slice(piece.start, piece.end)}`,
  )
}

describe('scanSql', () => {
  it('yields quoted text and comments whole, code one character at a time with its depth', () => {
    expect(pieces('f(\'It\'\'s\', ["a""b"]) -- x)\n/* ( */;')).toEqual([
      'code:0:f',
      'code:0:(',
      "quoted:1:'It''s'",
      'code:1:,',
      'code:1: ',
      'code:1:[',
      'quoted:2:"a""b"',
      'code:1:]',
      'code:0:)',
      'code:0: ',
      'comment:0:-- x)',
      'code:0:\n',
      'comment:0:/* ( */',
      'code:0:;',
    ])
  })

  it('ends an unclosed quote or comment at the end of the text and counts depth from `from`', () => {
    expect(pieces("a 'open")).toEqual(['code:0:a', 'code:0: ', "quoted:0:'open"])
    expect(pieces('x /* open')).toEqual(['code:0:x', 'code:0: ', 'comment:0:/* open'])
    expect(pieces('(a))', 1)).toEqual(['code:0:a', 'code:-1:)', 'code:-2:)'])
  })
})

describe('the splitters on scanSql', () => {
  it('splits at top-level separators only', () => {
    expect(splitTopLevel("a, f(b, c), [d, e], 'f, g' -- h, i\n, j")).toEqual([
      'a',
      'f(b, c)',
      '[d, e]',
      "'f, g' -- h, i",
      'j',
    ])
    expect(splitStatements("SELECT ';'; -- only a comment;\n; SELECT 2")).toEqual(["SELECT ';'", 'SELECT 2'])
  })

  it('finds the header past leading comments and a ) inside quotes or comments', () => {
    const parts = splitModelFile("-- lead\n/* b */ MODEL (name a.b, description 'x)' /* ) */);\nSELECT 1")
    expect(parts.leading).toBe('-- lead\n/* b */ ')
    expect(parts.header).toBe("name a.b, description 'x)' /* ) */")
    expect(parts.headerHasComments).toBe(true)
    expect(parts.query).toBe('\nSELECT 1')
    expect(splitModelFile('MODEL (name a.b').header).toBeNull()
    expect(skipBlank("  -- c\n 'q'")).toBe(8)
  })

  it('splits an audit argument list, unwrapping only parentheses around the whole text', () => {
    expect(splitSqlList("(a, 'b, c', f(d, e))")).toEqual(['a', "'b, c'", 'f(d, e)'])
    expect(splitSqlList('(a) + (b)')).toEqual(['(a) + (b)'])
    expect(splitSqlList("(a /* ) */, ')')")).toEqual(['a /* ) */', "')'"])
  })
})
