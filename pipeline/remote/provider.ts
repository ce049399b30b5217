// A cloud provider as the worker lifecycle sees it: a few calls, plain records. Hetzner implements
// it (hetzner/provider.ts); tests run it against a fake of the Hetzner API, never a hand-made stub.
import { MateriaError } from '../errors.ts'

export interface WorkerServer {
  readonly id: number
  readonly name: string
  readonly status: string
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
  readonly sshKeyName: string // registered beforehand with registerSshKey
  readonly userData: string // cloud-init; never holds secrets
  readonly labels: Readonly<Record<string, string>>
}

export interface ProviderAction {
  readonly id: number
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
  readonly id: number
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
}

// The provider has no capacity for this type in this location right now (Hetzner's
// `resource_unavailable`); the next type or location in the configured list may have some.
export class PlacementUnavailableError extends MateriaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('remote', message, options)
    this.name = 'PlacementUnavailableError'
  }
}

export interface Provider {
  // action is null when the server was found again after a create whose answer was lost: wait for
  // its status instead. Throws PlacementUnavailableError when the location has no capacity.
  create(request: CreateWorkerRequest): Promise<{ server: WorkerServer; action: ProviderAction | null }>
  get(id: number): Promise<WorkerServer | null>
  listByLabel(selector: string): Promise<WorkerServer[]>
  delete(id: number): Promise<ProviderAction | null> // null when already gone
  waitForAction(action: ProviderAction, timeoutMs: number): Promise<void>
  registerSshKey(name: string, publicKey: string, labels: Readonly<Record<string, string>>): Promise<number>
  deleteSshKey(id: number): Promise<void>
  listSshKeysByLabel(selector: string): Promise<SshKeyRecord[]>
  serverTypes(): Promise<ServerTypeOffer[]>
}

export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
