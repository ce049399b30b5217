// Records of the Scaleway Instances API v1 (https://www.scaleway.com/en/developers/api/instance/),
// only the fields we read or send. Every path is under /instance/v1/zones/{zone}.

// A server as GET /servers and POST /servers answer it. A new server is `stopped` until the
// `poweron` action; `public_ip` is filled once it has an address.
export interface ScalewayServer {
  readonly id: string // a UUID
  readonly name: string
  readonly state: string // running | stopped | stopped in place | starting | stopping | locked
  readonly commercial_type: string
  readonly tags: readonly string[]
  readonly creation_date: string
  readonly project: string
  readonly zone: string
  readonly public_ip: { readonly address: string } | null
  readonly volumes: Readonly<Record<string, { readonly id: string }>>
}

export interface CreateServerRequest {
  readonly name: string
  readonly commercial_type: string
  readonly image: string
  readonly project: string
  readonly tags: readonly string[]
  readonly dynamic_ip_required: boolean
}

// POST /servers/{id}/action answers the task that carries the action out.
export interface ScalewayTask {
  readonly id: string
  readonly description: string
  readonly status: string // pending | started | success | failure | retry
}

// One entry of GET /products/servers: `servers` maps a commercial type to its offer.
export interface ScalewayServerType {
  readonly hourly_price: number // EUR
  readonly ncpus: number
  readonly ram: number // bytes
  readonly arch: string // x86_64 | arm64
  readonly end_of_service?: boolean
}

// GET /products/servers/availability: `servers` maps a commercial type to its stock.
export interface ScalewayAvailability {
  readonly availability: string // available | scarce | shortage
}

// The Instance API's error body, e.g. { "type": "not_found", "message": "..." }.
export interface ScalewayErrorBody {
  readonly type?: string
  readonly message?: string
}
