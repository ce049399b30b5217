// A cloud provider as the worker lifecycle sees it: a few calls, plain records. Hetzner
// (hetzner/provider.ts) and Scaleway (scaleway/provider.ts) implement it; tests run each against a
// fake of its API built from the provider's documentation, never a hand-made stub. Ids are strings:
// Hetzner numbers servers, Scaleway names them with UUIDs.
import { MateriaError } from '../errors.ts'

export const providerNames = ['hetzner', 'scaleway'] as const
export type ProviderName = (typeof providerNames)[number]

export interface WorkerServer {
  readonly id: string
  readonly name: string
  readonly status: string // both APIs say `running` once the server is up
  readonly createdMs: number
  readonly labels: Readonly<Record<string, string>>
  readonly ipv4: string | null
  readonly ipv6: string | null
  readonly serverType: string
}

export interface CreateWorkerRequest {
  readonly name: string
  readonly serverType: string
  readonly image: string
  readonly location: string
  // A key registered beforehand (sshKeys.register, or the team's own). Scaleway ignores it: a
  // per-run key travels in the user data and a team key is one of the project's SSH keys, which
  // Scaleway installs on every new Instance at boot.
  readonly sshKeyName: string
  readonly userData: string // cloud-init; never holds secrets
  readonly labels: Readonly<Record<string, string>>
}

// What the create started: Hetzner's action, or null when there is nothing to follow (a create
// whose answer was lost and whose server was found again, or a Scaleway server powered on).
export interface ProviderAction {
  readonly id: string
}

export interface CreatedWorker {
  readonly server: WorkerServer
  readonly action: ProviderAction | null
}

// A server type as the price list shows it: where it can be ordered now, at what hourly price.
export interface ServerTypeOffer {
  readonly name: string
  readonly cores: number
  readonly memoryGb: number
  readonly architecture: string
  readonly deprecated: boolean // the whole type is deprecated: no new servers should use it
  readonly locations: readonly {
    readonly name: string
    readonly hourlyEur: number | null // gross; null when no price is listed for the location
    readonly deprecated: boolean
  }[]
}

export interface SshKeyRecord {
  readonly id: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
}

// SSH keys registered through the provider's API (Hetzner). They outlive the server and must be
// deleted after the run, or by the reaper once their deadline label has passed.
export interface SshKeyRegistry {
  register(name: string, publicKey: string, labels: Readonly<Record<string, string>>): Promise<string>
  delete(id: string): Promise<void>
  listByLabels(labels: Readonly<Record<string, string>>): Promise<SshKeyRecord[]>
}

// The provider has no capacity for this type in this location right now (Hetzner's
// `resource_unavailable`, a Scaleway type out of stock); the next type or location may have some.
export class PlacementUnavailableError extends MateriaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('remote', message, options)
    this.name = 'PlacementUnavailableError'
  }
}

export interface Provider {
  readonly name: ProviderName
  // null: the provider has no per-run key records; the run's client key goes into the cloud-init
  // user data (`ssh_authorized_keys`) instead, and dies with the server.
  readonly sshKeys: SshKeyRegistry | null
  // Throws PlacementUnavailableError when the location has no capacity.
  create(request: CreateWorkerRequest): Promise<CreatedWorker>
  // Waits until the new server runs and has its IPv4 address, and answers it as it is then.
  waitRunning(created: CreatedWorker, timeoutMs: number): Promise<WorkerServer>
  get(id: string): Promise<WorkerServer | null>
  listByLabels(labels: Readonly<Record<string, string>>): Promise<WorkerServer[]>
  // Deletes the server with its disks and waits until it is gone; false when it already was.
  delete(id: string, timeoutMs: number): Promise<boolean>
  serverTypes(): Promise<ServerTypeOffer[]>
}

export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
