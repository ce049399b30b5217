// A cloud provider as the worker lifecycle sees it: five calls, plain records. Hetzner implements
// it (hetzner/provider.ts); tests run it against a fake of the Hetzner API, never a hand-made stub.

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
  readonly location: string | null
  readonly sshKeyName: string // registered beforehand with registerSshKey
  readonly userData: string // cloud-init; never holds secrets
  readonly labels: Readonly<Record<string, string>>
}

export interface ProviderAction {
  readonly id: number
}

export interface ServerTypePrice {
  readonly name: string
  readonly hourlyEur: number // gross price for the location (or the first one listed)
  readonly cores: number
  readonly memoryGb: number
}

export interface Provider {
  create(request: CreateWorkerRequest): Promise<{ server: WorkerServer; action: ProviderAction }>
  get(id: number): Promise<WorkerServer | null>
  listByLabel(selector: string): Promise<WorkerServer[]>
  delete(id: number): Promise<ProviderAction | null> // null when already gone
  waitForAction(action: ProviderAction, timeoutMs: number): Promise<void>
  registerSshKey(name: string, publicKey: string, labels: Readonly<Record<string, string>>): Promise<number>
  deleteSshKey(id: number): Promise<void>
  serverTypePrice(name: string, location: string | null): Promise<ServerTypePrice>
}

export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
