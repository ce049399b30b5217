// `--provider cheapest`: the cheapest server type, across every provider's price list, that has
// at least the pipeline's cores and memory and can be ordered now (not deprecated, priced, in
// stock somewhere). Ties keep the order the lists were given in, so the choice is stable.
import { MateriaError } from '../errors.ts'
import type { ProviderName, ServerTypeOffer } from './provider.ts'

export interface CheapestChoice {
  readonly provider: ProviderName
  readonly serverType: string
  readonly location: string
  readonly hourlyEur: number
  readonly cores: number
  readonly memoryGb: number
}

export interface Need {
  readonly cores: number
  readonly memoryGb: number
  readonly architecture?: string
}

// Every orderable offer that fits, cheapest first (a stable sort: ties keep the lists' order).
export function rankOffers(
  lists: readonly { readonly provider: ProviderName; readonly offers: readonly ServerTypeOffer[] }[],
  need: Need,
): CheapestChoice[] {
  const fitting: CheapestChoice[] = []
  for (const { provider, offers } of lists) {
    for (const offer of offers) {
      if (offer.deprecated || offer.cores < need.cores || offer.memoryGb < need.memoryGb) continue
      if (need.architecture !== undefined && offer.architecture !== need.architecture) continue
      for (const location of offer.locations) {
        if (location.deprecated || location.hourlyEur === null) continue
        fitting.push({
          provider,
          serverType: offer.name,
          location: location.name,
          hourlyEur: location.hourlyEur,
          cores: offer.cores,
          memoryGb: offer.memoryGb,
        })
      }
    }
  }
  return fitting.sort((left, right) => left.hourlyEur - right.hourlyEur)
}

export function chooseCheapest(
  lists: readonly { readonly provider: ProviderName; readonly offers: readonly ServerTypeOffer[] }[],
  need: Need,
): CheapestChoice {
  const best = rankOffers(lists, need)[0]
  if (best === undefined) {
    const names = lists.map((list) => list.provider).join(', ')
    throw new MateriaError(
      'config',
      `no server type on ${names} has ${need.cores} cores and ${need.memoryGb} GB memory and can be ordered now; lower the pipeline's cores or memory_gb in materia.yaml workers:`,
    )
  }
  return best
}
