// A small typed fetch client for the Scaleway Instances API v1. It authenticates with the
// `X-Auth-Token` header (the secret part of an API key) and addresses one zone:
// https://api.scaleway.com/instance/v1/zones/{zone}. Errors are read from the documented body
// `{ type, message }`. GET and PATCH are retried on 429/502/503/504 with exponential backoff,
// bounded by providerAttemptsMax; a POST is never resent (a second POST /servers would create a
// second server). Lists follow `page`/`per_page` until X-Total-Count is reached, up to
// providerPagesMax pages.
import { MateriaError } from '../../errors.ts'
import { providerAttemptsMax, providerPagesMax, providerRequestTimeoutMs } from '../../limits.ts'
import type { ScalewayErrorBody } from './types.ts'

export const scalewayDefaultUrl = 'https://api.scaleway.com'
export const scalewayDefaultZone = 'fr-par-1'
// The variables Scaleway's own tools read (scaleway-cli, SDKs): the API key's secret and the
// project new resources belong to.
export const scalewaySecretNames = ['SCW_SECRET_KEY', 'SCW_DEFAULT_PROJECT_ID'] as const
const perPage = 100

export class ScalewayApiError extends MateriaError {
  readonly status: number | null
  readonly apiType: string | null

  constructor(message: string, facts: { status: number | null; apiType: string | null }) {
    super('remote', message)
    this.name = 'ScalewayApiError'
    this.status = facts.status
    this.apiType = facts.apiType
  }
}

export interface ScalewayClientOptions {
  readonly baseUrl: string
  readonly zone: string
  readonly secretKey: string
  readonly projectId: string
  readonly timeoutMs?: number
  readonly backoffBaseMs?: number
  readonly sleep?: (ms: number) => Promise<void>
}

export interface ScalewayClient {
  readonly projectId: string
  readonly zone: string
  request<T>(method: string, path: string, body?: unknown): Promise<T>
  // PATCH of a raw text body (user data is sent as text/plain, not JSON).
  putText(path: string, text: string): Promise<void>
  // GET that answers null on 404 instead of throwing.
  find<T>(path: string): Promise<T | null>
  list<T>(path: string, key: string, query: Readonly<Record<string, string>>): Promise<T[]>
}

// Refuses before any call when a secret is missing, naming every missing variable at once.
export function scalewayClientFromEnv(env: NodeJS.ProcessEnv): ScalewayClient {
  const missing = scalewaySecretNames.filter((name) => (env[name] ?? '') === '')
  if (missing.length > 0) {
    throw new MateriaError(
      'remote',
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set; export ${missing.length === 1 ? 'it' : 'them'} (esc run <env> -- materia ...)`,
    )
  }
  return createScalewayClient({
    baseUrl: env.SCW_API_URL || scalewayDefaultUrl,
    zone: env.SCW_DEFAULT_ZONE || scalewayDefaultZone,
    secretKey: env.SCW_SECRET_KEY as string,
    projectId: env.SCW_DEFAULT_PROJECT_ID as string,
  })
}

const retryStatuses = new Set([429, 502, 503, 504])
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createScalewayClient(options: ScalewayClientOptions): ScalewayClient {
  const root = `${options.baseUrl.replace(/\/$/, '')}/instance/v1/zones/${options.zone}`
  const timeoutMs = options.timeoutMs ?? providerRequestTimeoutMs
  const backoffBaseMs = options.backoffBaseMs ?? 1000
  const sleep = options.sleep ?? defaultSleep

  async function send(
    method: string,
    path: string,
    body: string | undefined,
    type: string,
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response
      try {
        response = await fetch(`${root}${path}`, {
          method,
          headers: { 'X-Auth-Token': options.secretKey, 'Content-Type': type, Accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (error) {
        if (method === 'POST' || attempt >= providerAttemptsMax) {
          throw new ScalewayApiError(`Scaleway ${method} ${path}: no answer (${String(error)})`, {
            status: null,
            apiType: null,
          })
        }
        await sleep(backoffBaseMs * 2 ** (attempt - 1))
        continue
      }
      if (response.ok || response.status === 404) return response
      if (method !== 'POST' && retryStatuses.has(response.status) && attempt < providerAttemptsMax) {
        await response.body?.cancel()
        await sleep(backoffBaseMs * 2 ** (attempt - 1))
        continue
      }
      throw await apiError(method, path, response)
    }
  }

  async function request<T>(method: string, path: string, body?: unknown, notFoundNull = false): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body)
    const response = await send(method, path, text, 'application/json')
    if (response.status === 404) {
      if (notFoundNull) return null as T
      throw await apiError(method, path, response)
    }
    if (response.status === 204) return null as T
    return (await response.json()) as T
  }

  return {
    projectId: options.projectId,
    zone: options.zone,
    request: (method, path, body) => request(method, path, body),
    async putText(path, text) {
      const response = await send('PATCH', path, text, 'text/plain')
      if (response.status === 404) throw await apiError('PATCH', path, response)
      await response.body?.cancel()
    },
    find: (path) => request('GET', path, undefined, true),
    async list<T>(path: string, key: string, query: Readonly<Record<string, string>>) {
      const items: T[] = []
      for (let page = 1; page <= providerPagesMax; page++) {
        const search = new URLSearchParams({ ...query, page: String(page), per_page: String(perPage) })
        const response = await send('GET', `${path}?${search}`, undefined, 'application/json')
        if (response.status === 404) throw await apiError('GET', path, response)
        const body = (await response.json()) as Record<string, T[]>
        const batch = body[key] ?? []
        items.push(...batch)
        const total = Number(response.headers.get('x-total-count') ?? items.length)
        if (items.length >= total || batch.length === 0) return items
      }
      throw new MateriaError(
        'limit',
        `Scaleway GET ${path}: more than providerPagesMax (${providerPagesMax}) pages`,
      )
    },
  }
}

async function apiError(method: string, path: string, response: Response): Promise<ScalewayApiError> {
  let body: ScalewayErrorBody = {}
  try {
    body = (await response.json()) as ScalewayErrorBody
  } catch {
    // A gateway may answer HTML; the status alone then says what failed.
  }
  const type = body.type ?? null
  const detail = body.message ?? response.statusText
  return new ScalewayApiError(
    `Scaleway ${method} ${path}: ${response.status} ${type ?? 'error'}: ${detail}`,
    {
      status: response.status,
      apiType: type,
    },
  )
}
