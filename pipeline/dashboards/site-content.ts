// The public site's own pages: landing, methodology and pricing bodies (HTML fragments). Text and
// tables only; the shell around them comes from document.ts.
import { escapeHtml } from './html.ts'

export interface PricePlan {
  readonly label: string
  readonly priceId: string
}

export function landingBody(
  dashboardLinks: ReadonlyArray<{ href: string; title: string; description: string }>,
): string {
  const cards = dashboardLinks
    .map(
      (link) =>
        `<li class="materia-card"><h3 class="materia-title"><a href="${escapeHtml(link.href)}">${escapeHtml(link.title)}</a></h3><p>${escapeHtml(link.description)}</p></li>`,
    )
    .join('\n')
  return `<section class="materia-hero">
<img src="assets/wordmark.svg" alt="BeanFlows" width="390" height="96">
<p class="text-xl">Coffee supply and demand, straight from USDA's balance sheets.</p>
</section>
<h2>What BeanFlows offers</h2>
<ul>
<li><strong>World and country balance sheets</strong>: production, consumption, trade, ending stocks and stocks-to-use for every producing and consuming country, by market year.</li>
<li><strong>Arabica and robusta</strong>: the species split of each country's crop and of the world's.</li>
<li><strong>Revisions</strong>: what USDA changed in each monthly release, figure by figure.</li>
<li><strong>The analyst workbench</strong>: a desktop app with SQL models on an embedded database, live dashboards and a command line that runs every job headless.</li>
</ul>
<p><a href="methodology.html">How each figure is computed</a> · <a href="pricing.html">Plans and pricing</a></p>
<h2>Public dashboards</h2>
<ul class="materia-index">
${cards}
</ul>`
}

// Each metric with its USDA PSD attribute (id and name as in the PSD coffee file) or derivation.
const metrics: ReadonlyArray<readonly [metric: string, source: string, meaning: string]> = [
  [
    'Beginning stocks',
    'PSD attribute 020 Beginning Stocks',
    'Green-bean equivalent stocks at the start of the market year.',
  ],
  ['Production', 'PSD attribute 028 Production', 'The harvest credited to the market year.'],
  ['Arabica production', 'PSD attribute 029 Arabica Production', 'The arabica part of production.'],
  ['Robusta production', 'PSD attribute 053 Robusta Production', 'The robusta part of production.'],
  [
    'Imports',
    'PSD attribute 057 Imports (058 bean, 075 roast & ground, 082 soluble)',
    'All forms, in green-bean equivalent.',
  ],
  ['Total supply', 'PSD attribute 086 Total Supply', 'Beginning stocks + production + imports.'],
  [
    'Exports',
    'PSD attribute 088 Exports (090 bean, 107 roast & ground, 114 soluble)',
    'All forms, in green-bean equivalent.',
  ],
  [
    'Domestic consumption',
    'PSD attribute 125 Domestic Consumption (141 roast & ground, 154 soluble)',
    'Use within the country.',
  ],
  ['Ending stocks', 'PSD attribute 176 Ending Stocks', 'Stocks carried into the next market year.'],
  [
    'Total distribution',
    'PSD attribute 178 Total Distribution',
    'Exports + domestic consumption + ending stocks; equals total supply.',
  ],
  [
    'Stocks-to-use',
    'Derived: 176 / (125 + 088)',
    "Ending stocks as a share of the year's use; empty where use is zero.",
  ],
  [
    'World production share',
    'Derived: 028 / world total of 028',
    "A country's share of the market year's world production.",
  ],
  ['Arabica share', 'Derived: 029 / 028', 'The arabica share of a country’s production.'],
  [
    'Revision',
    'Derived: value in a snapshot − value in the snapshot before',
    'What USDA changed between two monthly releases, per figure.',
  ],
]

export function methodologyBody(): string {
  const rows = metrics
    .map(
      ([metric, source, meaning]) =>
        `<tr><th scope="row">${escapeHtml(metric)}</th><td>${escapeHtml(source)}</td><td>${escapeHtml(meaning)}</td></tr>`,
    )
    .join('\n')
  return `<h1>Methodology</h1>
<p>Every figure comes from the USDA Foreign Agricultural Service's Production, Supply and Distribution
database (PSD, published at apps.fas.usda.gov/psdonline), commodity 0711100 "Coffee, Green". USDA
publishes a new snapshot monthly; each is kept as landed, so that revisions can be traced.</p>
<p>Quantities are in USDA's unit for coffee, 1000 60-kg bags (green-bean equivalent). Market years differ by
country (Brazil's starts in July, Colombia's in October); world totals add the countries' market years as
USDA does. Shares and ratios are computed from these figures, never estimated.</p>
<div class="overflow-x-auto materia-card">
<table class="table table-sm">
<thead><tr><th scope="col">Metric</th><th scope="col">USDA source</th><th scope="col">Meaning</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>`
}

export function pricingBody(plans: readonly PricePlan[]): string {
  const buttons = plans
    .map(
      (plan) =>
        `<button type="button" class="btn btn-primary" data-price-id="${escapeHtml(plan.priceId)}">${escapeHtml(plan.label)}</button>`,
    )
    .join('\n')
  const checkout =
    plans.length === 0
      ? '<p>Subscriptions open soon.</p>'
      : `<div class="flex flex-wrap gap-3 mt-4" id="checkout">${buttons}</div>`
  return `<h1>Pricing</h1>
<div class="grid gap-4 md:grid-cols-2">
<section class="materia-card"><h2 class="materia-title">Public</h2><p class="text-2xl font-bold">Free</p>
<ul><li>The public coffee dashboards</li><li>Updated with each USDA release</li></ul></section>
<section class="materia-card"><h2 class="materia-title">Analyst</h2><p class="text-2xl font-bold">Subscription</p>
<ul><li>The desktop workbench and its SQL models</li><li>Country profiles and revision history for every commodity</li><li>Private dashboards and exports</li></ul>
${checkout}
</section>
</div>`
}
