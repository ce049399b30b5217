// A small typed fetch client for the Hetzner Cloud API v1. Every request has an explicit timeout.
// Retries follow Hetzner's documented semantics (the official clients' policy): a request is
// retried on a network timeout, on HTTP 429/502/503/504 and on the error codes `conflict`,
// `rate_limit_exceeded` and `timeout`, never on other errors (a 500 or an `invalid_input` does not
// get better by asking again). 429 waits for Retry-After (or RateLimit-Reset), the rest back off
// exponentially, all bounded by providerAttemptsMax. A POST is not idempotent: when its outcome is
// unknown (no answer, a gateway error, a `timeout` code) it is not resent here but raised as
// `outcomeUnknown`, so the caller can look the object up by name before creating it again (no
// double server, no `uniqueness_error`). List calls follow meta.pagination.next_page up to
// providerPagesMax.
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

// An error answer of the API (or no answer at all: status null), with its documented error code.
export class HetznerApiError extends MateriaError {
  readonly status: number | null
  readonly apiCode: string | null
  readonly outcomeUnknown: boolean // a POST that may have taken effect although it failed

  constructor(
    message: string,
    facts: { status: number | null; apiCode: string | null; outcomeUnknown: boolean },
    options?: { cause?: unknown },
  ) {
    super('remote', message, options)
    this.name = 'HetznerApiError'
    this.status = facts.status
    this.apiCode = facts.apiCode
    this.outcomeUnknown = facts.outcomeUnknown
  }
}

export function isHetznerApiError(error: unknown, apiCode?: string): error is HetznerApiError {
  return error instanceof HetznerApiError && (apiCode === undefined || error.apiCode === apiCode)
}

const retryStatuses = new Set([429, 502, 503, 504])
const retryCodes = new Set(['conflict', 'rate_limit_exceeded', 'timeout'])
// Answers after which a request may or may not have been carried out.
const unknownOutcomeStatuses = new Set([502, 503, 504])

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
    const idempotent = method !== 'POST'
    for (let attempt = 1; ; attempt++) {
      const backoffMs = backoffBaseMs * 2 ** (attempt - 1)
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
        const reason = (error as Error).message
        if (!idempotent || attempt >= providerAttemptsMax) {
          throw new HetznerApiError(
            `${method} ${url} failed: ${reason}${idempotent ? ` after ${attempt} attempts; try later` : ''}`,
            { status: null, apiCode: null, outcomeUnknown: !idempotent },
            { cause: error },
          )
        }
        await sleep(backoffMs)
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
      const error = await errorBody(response)
      const apiCode = error?.code ?? null
      const unknown = unknownOutcomeStatuses.has(response.status) || apiCode === 'timeout'
      const retriable = retryStatuses.has(response.status) || (apiCode !== null && retryCodes.has(apiCode))
      if (retriable && attempt < providerAttemptsMax && (idempotent || !unknown)) {
        const limited = response.status === 429 || apiCode === 'rate_limit_exceeded'
        const delayMs = limited ? retryDelayMs(response.headers, Date.now()) : backoffMs
        if (delayMs > providerRetryAfterMaxMs) {
          throw new HetznerApiError(
            `${method} ${url}: rate limited for ${Math.round(delayMs / 1000)} s; try later`,
            { status: response.status, apiCode, outcomeUnknown: false },
          )
        }
        await sleep(delayMs)
        continue
      }
      const detail =
        error === null ? `HTTP ${response.status}` : `${response.status} ${error.code}: ${error.message}`
      const hint =
        response.status === 401
          ? '; check HETZNER_TOKEN'
          : retriable && (idempotent || !unknown)
            ? ` after ${attempt} attempts; try later`
            : ''
      throw new HetznerApiError(`${method} ${url} failed: ${detail}${hint}`, {
        status: response.status,
        apiCode,
        outcomeUnknown: !idempotent && unknown,
      })
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

async function errorBody(response: Response): Promise<HetznerErrorBody['error'] | null> {
  try {
    const body = (await response.json()) as HetznerErrorBody
    return typeof body.error?.code === 'string' ? body.error : null
  } catch {
    return null // a body that is not JSON (a proxy's error page) keeps the bare status
  }
}
