// Reads the bundled genuine PSD coffee snapshot straight from its zip and aggregates it in plain
// TypeScript, so tests can check the warehouse's serving figures against numbers that never went
// through the models, the engine or DuckDB.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'

export const bundledZipPath = fileURLToPath(
  new URL('../../assets/data/psd_coffee_csv_2022-12.zip', import.meta.url),
)

export interface PsdRow {
  readonly commodityCode: string
  readonly countryCode: string
  readonly countryName: string
  readonly marketYear: number
  readonly attributeId: string
  readonly value: number
}

// The single entry of a PSD zip, found through the central directory (APPNOTE 4.3.12) and inflated.
export function readZipEntry(zipPath: string): string {
  const zip = readFileSync(zipPath)
  const endOffset = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (endOffset < 0) throw new Error(`${zipPath}: no end of central directory`)
  const centralOffset = zip.readUInt32LE(endOffset + 16)
  if (zip.readUInt32LE(centralOffset) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory`)
  const method = zip.readUInt16LE(centralOffset + 10)
  const compressedSize = zip.readUInt32LE(centralOffset + 20)
  const localOffset = zip.readUInt32LE(centralOffset + 42)
  const nameLength = zip.readUInt16LE(localOffset + 26)
  const extraLength = zip.readUInt16LE(localOffset + 28)
  const dataOffset = localOffset + 30 + nameLength + extraLength
  const data = zip.subarray(dataOffset, dataOffset + compressedSize)
  if (method === 0) return data.toString('utf8')
  if (method !== 8) throw new Error(`${zipPath}: compression method ${method} is not deflate`)
  return inflateRawSync(data).toString('utf8')
}

// RFC 4180 fields: quoted fields may hold commas ("Coffee, Green") and doubled quotes.
export function splitCsvLine(line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (char === '"') quoted = false
      else field += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      fields.push(field)
      field = ''
    } else field += char
  }
  fields.push(field)
  return fields
}

export function parsePsdCsv(text: string): PsdRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0)
  const header = splitCsvLine(lines[0] ?? '')
  const column = (name: string) => {
    const index = header.indexOf(name)
    if (index < 0) throw new Error(`PSD CSV has no column ${name}`)
    return index
  }
  const commodity = column('Commodity_Code')
  const country = column('Country_Code')
  const countryName = column('Country_Name')
  const year = column('Market_Year')
  const attribute = column('Attribute_ID')
  const value = column('Value')
  return lines.slice(1).map((line) => {
    const fields = splitCsvLine(line)
    return {
      commodityCode: fields[commodity]!,
      countryCode: fields[country]!,
      countryName: fields[countryName]!,
      marketYear: Number(fields[year]),
      attributeId: fields[attribute]!,
      value: Number(fields[value]),
    }
  })
}

export function readBundledSnapshot(): PsdRow[] {
  return parsePsdCsv(readZipEntry(bundledZipPath))
}

// PSD attribute ids of the balance sheet (see sql/seeds/psd_attribute.csv).
export const attributeIds = {
  production: '028',
  arabicaProduction: '029',
  domesticConsumption: '125',
  exports: '088',
  endingStocks: '176',
} as const

// Sum of one attribute over every country, per market year.
export function worldTotals(rows: readonly PsdRow[], attributeId: string): Map<number, number> {
  const totals = new Map<number, number>()
  for (const row of rows) {
    if (row.attributeId !== attributeId) continue
    totals.set(row.marketYear, (totals.get(row.marketYear) ?? 0) + row.value)
  }
  return totals
}

export function countryValue(
  rows: readonly PsdRow[],
  countryCode: string,
  marketYear: number,
  attributeId: string,
): number {
  const found = rows.filter(
    (row) =>
      row.countryCode === countryCode && row.marketYear === marketYear && row.attributeId === attributeId,
  )
  if (found.length !== 1)
    throw new Error(`${found.length} rows for ${countryCode} ${marketYear} ${attributeId}`)
  return found[0]!.value
}
