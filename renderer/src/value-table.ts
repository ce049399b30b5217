// Server-rendered tables of values (the catalog's preview and profile, the diff's changed rows):
// each cell carries its raw value and DuckDB type; this formats it as the result grid does.
import { displayText, numericType } from './value-format.ts'

export async function mountValueTable(table: HTMLElement): Promise<void> {
  for (const cell of table.querySelectorAll<HTMLElement>('[data-type]')) {
    const type = cell.dataset.type ?? ''
    const value = cell.dataset.null === '1' ? null : (cell.dataset.value ?? '')
    cell.textContent = displayText(value, type, cell.dataset.column ?? '')
    cell.title = value === null ? 'NULL' : value
    cell.classList.toggle('grid-numeric', numericType.test(type))
    cell.classList.toggle('grid-null', value === null)
  }
  table.dataset.formatted = '1'
}
