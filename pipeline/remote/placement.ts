// Where a worker goes: the configured server types and locations, in order of preference, checked
// against the provider's price list before anything is created. A type that is no longer listed
// (Hetzner stops listing a type after its `unavailable_after` date), is deprecated (type-wide or in
// that location), or is not offered in a location is skipped, with the reason shown. The run tries
// the placements left in order and moves on when one has no capacity (`resource_unavailable`).
import { MateriaError } from '../errors.ts'
import type { ServerTypeOffer } from './provider.ts'

export interface Placement {
  readonly serverType: string
  readonly location: string
  readonly hourlyEur: number
  readonly cores: number
  readonly memoryGb: number
}

export interface PlacementChoice {
  readonly placements: readonly Placement[]
  readonly skipped: readonly string[] // "cx22: not listed (retired or unknown)"
}

export function choosePlacements(
  offers: readonly ServerTypeOffer[],
  want: { readonly serverTypes: readonly string[]; readonly locations: readonly string[] },
  where: string,
): PlacementChoice {
  const placements: Placement[] = []
  const skipped: string[] = []
  for (const name of want.serverTypes) {
    const offer = offers.find((entry) => entry.name === name)
    if (offer === undefined) {
      skipped.push(`${name}: not listed (retired or unknown)`)
      continue
    }
    if (offer.deprecated) {
      skipped.push(`${name}: deprecated`)
      continue
    }
    for (const locationName of want.locations) {
      const location = offer.locations.find((entry) => entry.name === locationName)
      if (location === undefined) skipped.push(`${name} in ${locationName}: not offered there`)
      else if (location.deprecated) skipped.push(`${name} in ${locationName}: deprecated there`)
      else if (location.hourlyEur === null) skipped.push(`${name} in ${locationName}: no price listed`)
      else {
        placements.push({
          serverType: name,
          location: locationName,
          hourlyEur: location.hourlyEur,
          cores: offer.cores,
          memoryGb: offer.memoryGb,
        })
      }
    }
  }
  if (placements.length === 0) {
    throw new MateriaError(
      'config',
      `${where}: no configured server type can be ordered (${skipped.join('; ')}); list current types in materia.yaml workers.<pipeline>.server_type`,
    )
  }
  return { placements, skipped }
}

// Hetzner bills each started hour (a server that lived five minutes costs one hour), so an
// estimate counts whole hours, at least one.
export function billedHours(minutes: number): number {
  return Math.max(1, Math.ceil(minutes / 60))
}

export function billedCostEur(hourlyEur: number, minutes: number): number {
  return hourlyEur * billedHours(minutes)
}
