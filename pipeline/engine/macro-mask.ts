// Macros (@start_ds, @VAR('x', 1), @this_model ...) become string literals of the same length, so
// DuckDB can parse a query mid-edit and its error offsets still point into the file. The editor's
// diagnostics and references use this; rendering (render.ts) is what runs. A SQL clause operator
// (@WHERE(cond), @GROUP_BY(cond) ...) becomes its keyword, and a macro that stands for a whole query
// (@UNION, @DEDUPLICATE, @DATE_SPINE) a SELECT, each padded with spaces to the same length.
const clauseOperators = new Set(['WITH', 'JOIN', 'WHERE', 'GROUP_BY', 'HAVING', 'ORDER_BY', 'LIMIT'])
const queryMacros = new Set(['UNION', 'DEDUPLICATE', 'DATE_SPINE'])

export function maskMacros(query: string): string {
  return query.replace(
    /@([A-Za-z_]\w*)(\((?:[^()]|\([^()]*\))*\))?/g,
    (macro, name: string, call?: string) => {
      const upper = name.toUpperCase()
      if (call !== undefined && clauseOperators.has(upper))
        return upper.replace('_', ' ').padEnd(macro.length)
      if (call !== undefined && queryMacros.has(upper)) return `SELECT '${'x'.repeat(macro.length - 9)}'`
      return macro.length >= 2 ? `'${'x'.repeat(macro.length - 2)}'` : macro
    },
  )
}
