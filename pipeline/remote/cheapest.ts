// `--provider cheapest`: the cheapest server type, across every provider's price list, that has
// at least the pipeline's cores and memory and can be ordered now (not deprecated, priced, in
// stock somewhere). Ties keep the order the lists were given in, so the choice is stable.
import { MateriaError } from '../errors.ts'
import type { ServerTypeOffer } from './provider.ts'

export type ProviderName = 'hetzner' | 'scaleway'

export interface CheapestChoice {
  readonly provider: ProviderName
  readonly serverType: string
  readonly location: string
  readonly hourlyEur: number
  readonly cores: number
  readonly memoryGb: number
}

export function chooseCheapest(
  lists: readonly { readonly provider: ProviderName; readonly offers: readonly ServerTypeOffer[] }[],
  need: { readonly cores: number; readonly memoryGb: number; readonly architecture?: string },
): CheapestChoice {
  let best: CheapestChoice | null = null
  for (const { provider, offers } of lists) {
    for (const offer of offers) {
      if (offer.deprecated || offer.cores < need.cores || offer.memoryGb < need.memoryGb) continue
      if (need.architecture !== undefined && offer.architecture !== need.architecture) continue
      for (const location of offer.locations) {
        if (location.deprecated || location.hourlyEur === null) continue
        if (best !== null && location.hourlyEur >= best.hourlyEur) continue
        best = {
          provider,
          serverType: offer.name,
          location: location.name,
          hourlyEur: location.hourlyEur,
          cores: offer.cores,
          memoryGb: offer.memoryGb,
        }
      }
    }
  }
  if (best === null) {
    const names = lists.map((list) => list.provider).join(', ')
    throw new MateriaError(
      'config',
      `no server type on ${names} has ${need.cores} cores and ${need.memoryGb} GB memory and can be ordered now; lower the pipeline's cores or memory`,
    )
  }
  return best
}
