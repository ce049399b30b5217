// Which cloud a remote run uses and what it needs from the environment. `--provider hetzner` or
// `scaleway` names one; `cheapest` reads both price lists and takes the cheapest type that fits
// the pipeline, so it needs both providers' credentials. Every missing setting is named at once,
// before any call: a run that would stop half way for lack of a token never starts.
import { MateriaError } from '../errors.ts'
import { hetznerClientFromEnv } from './hetzner/client.ts'
import { createHetznerProvider } from './hetzner/provider.ts'
import { type Provider, type ProviderName, providerNames } from './provider.ts'
import { scalewayClientFromEnv, scalewaySecretNames } from './scaleway/client.ts'
import { createScalewayProvider } from './scaleway/provider.ts'

export const providerChoices = [...providerNames, 'cheapest'] as const
export type ProviderChoice = (typeof providerChoices)[number]

export const providerSecretNames: Readonly<Record<ProviderName, readonly string[]>> = {
  hetzner: ['HETZNER_TOKEN'],
  scaleway: scalewaySecretNames,
}

export function parseProviderChoice(text: string | undefined): ProviderChoice {
  const value = text ?? 'hetzner'
  if (!(providerChoices as readonly string[]).includes(value)) {
    throw new MateriaError('usage', `--provider ${value}: use ${providerChoices.join(' | ')}`)
  }
  return value as ProviderChoice
}

export function providersOf(choice: ProviderChoice): readonly ProviderName[] {
  return choice === 'cheapest' ? providerNames : [choice]
}

export function missingProviderSettings(choice: ProviderChoice, env: NodeJS.ProcessEnv): string[] {
  return providersOf(choice).flatMap((name) => providerSecretNames[name].filter((key) => !env[key]))
}

export function providerFromEnv(name: ProviderName, env: NodeJS.ProcessEnv): Provider {
  switch (name) {
    case 'hetzner':
      return createHetznerProvider(hetznerClientFromEnv(env))
    case 'scaleway':
      return createScalewayProvider(scalewayClientFromEnv(env))
    default: {
      const unknown: never = name
      throw new Error(`unknown provider ${String(unknown)}`)
    }
  }
}

// The providers whose credentials are set: the ones the reaper can and must look at.
export function configuredProviders(env: NodeJS.ProcessEnv): Provider[] {
  return providerNames
    .filter((name) => providerSecretNames[name].every((key) => env[key]))
    .map((name) => providerFromEnv(name, env))
}
