// Macros (@start_ds, @VAR('x', 1), @this_model ...) become string literals of the same length, so
// DuckDB can parse a query mid-edit and its error offsets still point into the file. The editor's
// diagnostics and references use this; rendering (render.ts) is what runs.
export function maskMacros(query: string): string {
  return query.replace(/@[A-Za-z_]\w*(\((?:[^()]|\([^()]*\))*\))?/g, (macro) =>
    macro.length >= 2 ? `'${'x'.repeat(macro.length - 2)}'` : macro,
  )
}
