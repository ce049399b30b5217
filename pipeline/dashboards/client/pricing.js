// Wires the pricing page's checkout buttons to Paddle.js v2. Only shipped when the site was built with
// a Paddle client-side token and price ids; Paddle.js is then the one script from another host.
// Under `materia site serve`, /account.json names the signed-in customer: the checkout opens with
// that email filled in and carries it as customData, so the subscription webhook finds the account.
;(() => {
  const config = JSON.parse(document.getElementById('paddle-config').textContent)
  if (typeof window.Paddle !== 'object') return
  if (config.token.startsWith('test_')) window.Paddle.Environment.set('sandbox')
  window.Paddle.Initialize({ token: config.token })
  let email = null
  fetch('/account.json', { credentials: 'same-origin' })
    .then((response) => (response.ok ? response.json() : null))
    .then((account) => {
      email = account?.email ?? null
    })
    .catch(() => {}) // a static host without the server: checkout without a prefilled email
  for (const button of document.querySelectorAll('[data-price-id]')) {
    button.addEventListener('click', () => {
      const options = {
        items: [{ priceId: button.dataset.priceId, quantity: 1 }],
        settings: { successUrl: new URL('dashboards/index.html', document.baseURI).href },
      }
      if (email !== null) {
        options.customer = { email }
        options.customData = { email }
      }
      window.Paddle.Checkout.open(options)
    })
  }
})()
