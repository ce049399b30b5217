export async function mountChart(element: HTMLElement): Promise<void> {
  element.textContent = 'chart'
}
