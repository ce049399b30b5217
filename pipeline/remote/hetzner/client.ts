// A small typed fetch client for the Hetzner Cloud API v1. Every request has an explicit timeout;
// 429 waits for Retry-After (or RateLimit-Reset) and 5xx retries with exponential backoff, both
// bounded by providerAttemptsMax; list calls follow meta.pagination.next_page up to providerPagesMax.
import { assert } from '../../assert.ts'
import { MateriaError } from '../../errors.ts'
import {
  providerAttemptsMax,
  providerPagesMax,
  providerRequestTimeoutMs,
  providerRetryAfterMaxMs,
} from '../../limits.ts'
import type { HetznerErrorBody, Pagination } from './types.ts'

export const hetznerDefaultUrl = 'https://api.hetzner.cloud/v1'

export interface HetznerClientOptions {
  readonly baseUrl: string
  readonly token: string
  readonly timeoutMs?: number
  readonly backoffBaseMs?: number // first 5xx retry delay; doubles each attempt
  readonly sleep?: (ms: number) => Promise<void>
}

export interface HetznerClient {
  request<T>(method: string, path: string, body?: unknown, notFoundNull?: boolean): Promise<T>
  // GET that answers null on 404 (a server already gone) instead of throwing.
  find<T>(path: string): Promise<T | null>
  list<T>(path: string, key: string, query: Readonly<Record<string, string>>): Promise<T[]>
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function hetznerClientFromEnv(env: NodeJS.ProcessEnv): HetznerClient {
  const token = env.HETZNER_TOKEN
  if (token === undefined || token === '') {
    throw new MateriaError('remote', 'HETZNER_TOKEN is not set; export it (esc run <env> -- materia ...)')
  }
  return createHetznerClient({ baseUrl: env.HETZNER_API_URL || hetznerDefaultUrl, token })
}

// Seconds from Retry-After, else from RateLimit-Reset (a Unix timestamp Hetzner sends on 429).
export function retryDelayMs(headers: Headers, nowMs: number): number {
  const retryAfter = headers.get('retry-after')
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000
  if (retryAfter !== null) {
    const dateMs = Date.parse(retryAfter)
    if (Number.isFinite(dateMs)) return Math.max(0, dateMs - nowMs)
  }
  const reset = headers.get('ratelimit-reset')
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - nowMs)
  return 1000
}

export function createHetznerClient(options: HetznerClientOptions): HetznerClient {
  assert(options.token !== '', 'Hetzner token is empty')
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? providerRequestTimeoutMs
  const backoffBaseMs = options.backoffBaseMs ?? 500
  const sleep = options.sleep ?? defaultSleep

  async function find<T>(path: string): Promise<T | null> {
    return request<T>('GET', path, undefined, true)
  }

  async function request<T>(method: string, path: string, body?: unknown, notFoundNull = false): Promise<T> {
    const url = `${baseUrl}${path}`
    for (let attempt = 1; ; attempt++) {
      let response: Response
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${options.token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (error) {
        if (attempt >= providerAttemptsMax) {
          throw new MateriaError('remote', `${method} ${url} failed: ${(error as Error).message}`, {
            cause: error,
          })
        }
        await sleep(backoffBaseMs * 2 ** (attempt - 1))
        continue
      }
      if (response.ok) {
        const text = await response.text()
        return (text === '' ? {} : JSON.parse(text)) as T
      }
      if (notFoundNull && response.status === 404) {
        await response.body?.cancel()
        return null as T
      }
      const retriable = response.status === 429 || response.status >= 500
      if (retriable && attempt < providerAttemptsMax) {
        const delayMs =
          response.status === 429
            ? retryDelayMs(response.headers, Date.now())
            : backoffBaseMs * 2 ** (attempt - 1)
        if (delayMs > providerRetryAfterMaxMs) {
          throw new MateriaError(
            'remote',
            `${method} ${url}: rate limited for ${Math.round(delayMs / 1000)} s; try later`,
          )
        }
        await response.body?.cancel()
        await sleep(delayMs)
        continue
      }
      throw await responseError(method, url, response, attempt)
    }
  }

  async function list<T>(path: string, key: string, query: Readonly<Record<string, string>>): Promise<T[]> {
    const items: T[] = []
    let page: number | null = 1
    for (let pages = 0; page !== null; pages++) {
      if (pages >= providerPagesMax) {
        throw new MateriaError('limit', `GET ${path}: more than providerPagesMax=${providerPagesMax} pages`)
      }
      const search: URLSearchParams = new URLSearchParams({ ...query, page: String(page), per_page: '50' })
      type PageBody = Record<string, unknown> & { meta?: { pagination?: Pagination } }
      const body: PageBody = await request<PageBody>('GET', `${path}?${search}`)
      const pageItems = body[key]
      assert(Array.isArray(pageItems), `GET ${path}: response has no "${key}" array`)
      items.push(...(pageItems as T[]))
      const next: number | null = body.meta?.pagination?.next_page ?? null
      assert(next === null || next > page, `GET ${path}: pagination does not advance`)
      page = next
    }
    return items
  }

  return { request, find, list }
}

async function responseError(method: string, url: string, response: Response, attempts: number) {
  let detail = `HTTP ${response.status}`
  try {
    const body = (await response.json()) as HetznerErrorBody
    if (body.error?.code) detail = `${response.status} ${body.error.code}: ${body.error.message}`
  } catch {
    // A body that is not JSON keeps the bare status.
  }
  const hint =
    response.status === 401
      ? '; check HETZNER_TOKEN'
      : response.status >= 500 || response.status === 429
        ? ` after ${attempts} attempts; try later`
        : ''
  return new MateriaError('remote', `${method} ${url} failed: ${detail}${hint}`)
}
