import * as monaco from './monaco.ts'
export async function mountQueryEditor(element: HTMLElement): Promise<void> {
  monaco.editor.create(element, { value: 'SELECT 1', language: 'sql' })
}
