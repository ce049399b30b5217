// Where USDA PSD snapshots live. USDA FAS publishes per-dataset zips ("current" files) and keeps
// every monthly vintage under archives/{YYYY}/{MM}/ with a two-digit month, back to 2006:
//   {base}/psd_coffee_csv.zip                    -> psd_coffee.csv
//   {base}/archives/2022/12/psd_coffee_csv.zip   -> the December 2022 vintage
// Pure functions: they build URLs and month lists and never touch the network.
import { MateriaError } from '../../errors.ts'
import { psdFallbackMonthsMax, psdSinceMonthsMax } from '../../limits.ts'

export const psdDefaultBaseUrl = 'https://apps.fas.usda.gov/psdonline/downloads'

// The PSD column layout, checked on every snapshot before it lands (same for every dataset).
export const psdHeader =
  'Commodity_Code,Commodity_Description,Country_Code,Country_Name,Market_Year,Calendar_Year,Month,' +
  'Attribute_ID,Attribute_Description,Unit_ID,Unit_Description,Value'

// A month as 'YYYY-MM'.
export type Month = string

export interface Candidate {
  readonly url: string
  // The vintage the file belongs to; undefined for the current file (taken from Last-Modified).
  readonly month: Month | undefined
}

const datasetPattern = /^[a-z][a-z0-9_]{0,39}$/

export function checkDataset(dataset: string): string {
  if (!datasetPattern.test(dataset)) {
    throw new MateriaError(
      'usage',
      `--dataset ${dataset}: expected a PSD dataset name such as alldata or coffee`,
    )
  }
  return dataset
}

export function zipName(dataset: string): string {
  return `psd_${checkDataset(dataset)}_csv.zip`
}

export function csvName(dataset: string): string {
  return `psd_${checkDataset(dataset)}.csv`
}

export function parseMonth(text: string, where: string): Month {
  const match = /^(\d{4})-(\d{2})$/.exec(text)
  const year = Number(match?.[1])
  const month = Number(match?.[2])
  if (match === null || month < 1 || month > 12 || year < 1990 || year > 2200) {
    throw new MateriaError('usage', `${where} ${text}: expected a month as YYYY-MM, e.g. 2022-12`)
  }
  return text
}

export function monthOf(date: Date): Month {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`
}

export function addMonths(month: Month, count: number): Month {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number]
  const index = year * 12 + (monthNumber - 1) + count
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function baseUrlOf(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.MATERIA_PSD_BASE_URL || psdDefaultBaseUrl
  if (!/^https?:\/\//.test(base)) {
    throw new MateriaError('usage', `MATERIA_PSD_BASE_URL=${base}: expected an http(s) URL`)
  }
  return base.replace(/\/+$/, '')
}

export function currentUrl(base: string, dataset: string): string {
  return `${base}/${zipName(dataset)}`
}

export function archiveUrl(base: string, dataset: string, month: Month): string {
  const [year, monthNumber] = month.split('-')
  return `${base}/archives/${year}/${monthNumber}/${zipName(dataset)}`
}

// The newest snapshot: this month's archive, falling back month by month while USDA has not
// published yet (404), and finally the current file.
export function latestCandidates(base: string, dataset: string, now: Date): Candidate[] {
  const thisMonth = monthOf(now)
  const archives = Array.from({ length: psdFallbackMonthsMax + 1 }, (_, back) => {
    const month = addMonths(thisMonth, -back)
    return { url: archiveUrl(base, dataset, month), month }
  })
  return [...archives, { url: currentUrl(base, dataset), month: undefined }]
}

// Every monthly vintage from `since` through this month, oldest first.
export function sinceCandidates(base: string, dataset: string, since: Month, now: Date): Candidate[] {
  const thisMonth = monthOf(now)
  if (since > thisMonth) {
    throw new MateriaError('usage', `--since ${since} is in the future (this month is ${thisMonth})`)
  }
  const candidates: Candidate[] = []
  for (let month = since; month <= thisMonth; month = addMonths(month, 1)) {
    if (candidates.length >= psdSinceMonthsMax) {
      throw new MateriaError(
        'limit',
        `--since ${since} spans over ${psdSinceMonthsMax} months (psdSinceMonthsMax)`,
      )
    }
    candidates.push({ url: archiveUrl(base, dataset, month), month })
  }
  return candidates
}
