// Response shapes of the Hetzner Cloud API v1 (https://docs.hetzner.cloud), reduced to the fields
// Materia reads. Nullable fields are nullable here too: `public_net.ipv6` is null when a server has
// no IPv6 (we create workers with IPv6 disabled), `ipv4` likewise for IPv6-only servers.

export type ActionStatus = 'running' | 'success' | 'error'

export interface HetznerAction {
  readonly id: number
  readonly command: string
  readonly status: ActionStatus
  readonly progress: number
  readonly started: string
  readonly finished: string | null
  readonly resources: readonly { readonly id: number; readonly type: string }[]
  readonly error: { readonly code: string; readonly message: string } | null
}

export interface HetznerPrice {
  readonly location: string
  readonly price_hourly: { readonly net: string; readonly gross: string }
  readonly price_monthly: { readonly net: string; readonly gross: string }
}

// Set when a resource is deprecated: `announced`, and `unavailable_after`, the date after which the
// list endpoint no longer returns it and it can no longer be used to create servers.
export interface HetznerDeprecation {
  readonly announced: string
  readonly unavailable_after: string
}

// Since 2025-09 server types depend on locations: `locations` lists where a type can be ordered,
// each with its own deprecation; the type-wide `deprecation` (and `deprecated`) is itself
// deprecated and phased out as per-location deprecations are announced. Both are read.
export interface HetznerServerTypeLocation {
  readonly id: number
  readonly name: string
  readonly deprecation: HetznerDeprecation | null
}

export interface HetznerServerType {
  readonly id: number
  readonly name: string
  readonly description: string
  readonly category?: string
  readonly cores: number
  readonly memory: number
  readonly disk: number
  readonly cpu_type?: 'shared' | 'dedicated'
  readonly architecture?: 'x86' | 'arm'
  readonly storage_type?: 'local' | 'network'
  readonly deprecated?: boolean | null
  readonly deprecation?: HetznerDeprecation | null
  readonly prices: readonly HetznerPrice[]
  readonly locations?: readonly HetznerServerTypeLocation[]
}

export type ServerStatus =
  | 'initializing'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'off'
  | 'deleting'
  | 'migrating'
  | 'rebuilding'
  | 'unknown'

export interface HetznerServer {
  readonly id: number
  readonly name: string
  readonly status: ServerStatus
  readonly created: string
  readonly labels: Readonly<Record<string, string>>
  readonly public_net: {
    readonly ipv4: { readonly ip: string; readonly blocked: boolean } | null
    readonly ipv6: { readonly ip: string; readonly blocked: boolean } | null
  }
  readonly server_type: HetznerServerType
}

export interface HetznerSshKey {
  readonly id: number
  readonly name: string
  readonly fingerprint: string
  readonly public_key: string
  readonly labels: Readonly<Record<string, string>>
}

export interface Pagination {
  readonly page: number
  readonly per_page: number
  readonly previous_page: number | null
  readonly next_page: number | null
  readonly last_page: number | null
  readonly total_entries: number | null
}

export interface CreateServerRequest {
  readonly name: string
  readonly server_type: string
  readonly image: string
  readonly location?: string
  readonly ssh_keys: readonly (string | number)[]
  readonly user_data: string
  readonly labels: Readonly<Record<string, string>>
  readonly start_after_create: boolean
  readonly public_net: { readonly enable_ipv4: boolean; readonly enable_ipv6: boolean }
}

export interface CreateServerResponse {
  readonly server: HetznerServer
  readonly action: HetznerAction
  readonly next_actions: readonly HetznerAction[]
  readonly root_password: string | null
}

export interface HetznerErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown }
}
