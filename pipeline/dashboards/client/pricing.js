// Wires the pricing page's checkout buttons to Paddle.js. Only shipped when the site was built with
// a Paddle client-side token and price ids; Paddle.js is then the one script from another host.
;(() => {
  const config = JSON.parse(document.getElementById('paddle-config').textContent)
  if (typeof window.Paddle !== 'object') return
  if (config.token.startsWith('test_')) window.Paddle.Environment.set('sandbox')
  window.Paddle.Initialize({ token: config.token })
  for (const button of document.querySelectorAll('[data-price-id]')) {
    button.addEventListener('click', () => {
      window.Paddle.Checkout.open({ items: [{ priceId: button.dataset.priceId, quantity: 1 }] })
    })
  }
})()
