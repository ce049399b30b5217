// The paid site's own pages (sign-in, paywall, messages), in the same shell as the built site.
import { renderDocument } from '../dashboards/document.ts'
import { escapeHtml } from '../dashboards/html.ts'

const nav = [
  { href: 'dashboards/index.html', label: 'Dashboards' },
  { href: 'methodology.html', label: 'Methodology' },
  { href: 'pricing.html', label: 'Pricing' },
]

export function sitePage(title: string, body: string): string {
  return renderDocument({ title, description: title, root: '/', nav, current: '', body, payload: null })
}

export function signInForm(next: string): string {
  return `<form method="post" action="/sign-in" class="flex flex-wrap gap-2 items-end my-4">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label class="form-control"><span class="label-text">Email</span>
<input class="input input-bordered" type="email" name="email" required autocomplete="email"></label>
<button class="btn btn-primary" type="submit">Email me a sign-in link</button>
</form>`
}

export function paywallPage(email: string | null, next: string): string {
  const body =
    email === null
      ? `<h1>Subscribers only</h1>
<p>This dashboard is part of the BeanFlows subscription. Sign in with the email you subscribed with.</p>
${signInForm(next)}
<p><a href="/pricing.html">Plans and pricing</a></p>`
      : `<h1>Subscribers only</h1>
<p>You are signed in as <strong>${escapeHtml(email)}</strong>, which has no active subscription.</p>
<p><a class="btn btn-primary" href="/pricing.html">Subscribe</a></p>
<form method="post" action="/sign-out"><button class="btn btn-ghost" type="submit">Sign out</button></form>`
  return sitePage('Subscribers only', body)
}

export function messagePage(title: string, text: string, extra = ''): string {
  return sitePage(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>\n${extra}`)
}

export function confirmSignInPage(token: string, next: string): string {
  return sitePage(
    'Sign in',
    `<h1>Sign in to BeanFlows</h1>
<form method="post" action="/sign-in/verify">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button class="btn btn-primary" type="submit">Sign in</button>
</form>`,
  )
}
