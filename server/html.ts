// A tiny HTML template tag: interpolated values are escaped unless they are already Html (a nested
// template) — so a model name or a DuckDB value can never inject markup into a fragment.
import { escapeHtml } from '../pipeline/dashboards/html.ts'

export class Html {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? ''
  for (const [index, value] of values.entries()) text += render(value) + (strings[index + 1] ?? '')
  return new Html(text)
}

// Trusted markup from our own code (an SVG we ship), never from input.
export function raw(text: string): Html {
  return new Html(text)
}

// JSON for the browser's code, as the text of a <template> (inert, and kept by htmx swaps, which
// drop every <script> under htmx.config.allowScriptTags = false). In HTML text only "<" and "&"
// are special, and JSON needs neither outside strings, so with both written as \u escapes the
// text needs no entity decoding and no value can end the element early or inject markup.
export function jsonData(id: string, value: unknown): Html {
  const text = JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('&', '\\u0026')
  return html`<template id="${id}">${raw(text)}</template>`
}
