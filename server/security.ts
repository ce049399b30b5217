// The local server's defences. It listens on 127.0.0.1 only, yet any web page the user opens can
// still send requests to it, and a DNS-rebinding page can make them look same-origin. So:
// - every request needs the per-launch secret: the first URL carries ?token=, which becomes an
//   HttpOnly SameSite=Strict cookie (no page of another site can read it or make the browser send it);
// - the Host header must name the loopback address and our port (a rebinding page's Host is its own
//   domain name);
// - state-changing requests must carry our own Origin;
// - every response carries a strict CSP: scripts only from our own bundle, nothing inline, no eval.
import { timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

// Monaco and ECharts set style attributes at run time, so styles allow 'unsafe-inline'; scripts do
// not. Workers come from our own bundle; `blob:` is not needed.
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ')

export function tokenCookieName(port: number): string {
  // Cookies are scoped by host, not port: two workbenches on one machine must not share a name.
  return `materia_token_${port}`
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false
  const left = Buffer.from(given)
  const right = Buffer.from(token)
  return left.length === right.length && timingSafeEqual(left, right)
}

export function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`]
}

function forbidden(c: Context, reason: string): Response {
  return c.text(`403 forbidden: ${reason}\n`, 403)
}

const safeMethods = new Set(['GET', 'HEAD'])

// `port()` is read per request: the server learns its port only once it listens.
export function guard(options: { token: string; port: () => number }): MiddlewareHandler {
  return async (c, next) => {
    const port = options.port()
    const hosts = allowedHosts(port)
    const host = c.req.header('host') ?? ''
    if (!hosts.includes(host)) return forbidden(c, 'unexpected Host header')
    const queryToken = c.req.query('token')
    if (queryToken !== undefined) {
      if (!sameSecret(queryToken, options.token)) return forbidden(c, 'wrong token')
      setCookie(c, tokenCookieName(port), options.token, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
      })
      const url = new URL(c.req.url)
      url.searchParams.delete('token')
      return c.redirect(`${url.pathname}${url.search}`, 303)
    }
    const bearer = c.req.header('authorization')?.replace(/^Bearer /, '')
    const cookie = getCookie(c, tokenCookieName(port))
    if (!sameSecret(cookie, options.token) && !sameSecret(bearer, options.token)) {
      return forbidden(c, 'missing or wrong token; open the URL printed by `materia workbench`')
    }
    if (!safeMethods.has(c.req.method)) {
      const origin = c.req.header('origin') ?? ''
      if (!hosts.some((allowed) => origin === `http://${allowed}`)) {
        return forbidden(c, 'cross-origin request')
      }
    }
    await next()
    // The dashboard preview is the one page shown in a frame, and only inside our own pages.
    const framed = c.req.path === '/dashboard-preview'
    const policy = framed
      ? contentSecurityPolicy.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
      : contentSecurityPolicy
    c.header('Content-Security-Policy', policy)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('X-Frame-Options', framed ? 'SAMEORIGIN' : 'DENY')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('Cross-Origin-Opener-Policy', 'same-origin')
    c.header('Cross-Origin-Resource-Policy', 'same-origin')
  }
}
