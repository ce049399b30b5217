// JSON requests to the workbench server (same origin; the token cookie rides along).
export async function postJson<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  })
  if (!response.ok && response.status !== 409) {
    const text = await response.text()
    throw new Error(`${url}: ${response.status} ${text}`)
  }
  return (await response.json()) as T
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: 'same-origin' })
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}
