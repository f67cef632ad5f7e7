// Checks the extension's end-to-end tests make on a screen: accessibility (names, contrast) and
// layout at a popup's width (nothing scrolls sideways, no control is cut off).
import type { Page } from 'playwright-core'

/**
 * What an accessibility check finds on the current screen: controls without an accessible name,
 * and visible text whose contrast with its background is under WCAG AA's 4.5:1 (disabled
 * controls are exempt).
 */
export async function audit(page: Page): Promise<{ unlabeled: string[]; lowContrast: string[] }> {
  return page.evaluate(() => {
    const unlabeled: string[] = []
    for (const element of document.querySelectorAll<HTMLElement>('input, select, textarea, button, a[href]')) {
      if (element.closest('[hidden]') || (element as HTMLInputElement).type === 'hidden') continue
      const labelled = element.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') ?? ''
      const labels = 'labels' in element ? [...((element as HTMLInputElement).labels ?? [])].map((label) => label.textContent).join(' ') : ''
      const name = [element.getAttribute('aria-label'), labelled, labels, element.textContent, element.getAttribute('title')].join('').trim()
      if (!name) unlabeled.push(element.outerHTML.slice(0, 120))
    }
    const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number)
    const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
      const channel = (value: number) => ((value /= 255) <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4)
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }
    const background = (element: Element | null): number[] => {
      for (let node = element; node; node = node.parentElement) {
        const color = rgb(getComputedStyle(node).backgroundColor)
        if (color.length === 3 || (color[3] ?? 0) > 0) return color
      }
      return [255, 255, 255]
    }
    const lowContrast: string[] = []
    for (const element of document.querySelectorAll<HTMLElement>('p, li, td, th, label, a, button, h1, h2, dt, dd, legend, code, caption, span, summary')) {
      if (!element.offsetParent || !element.textContent?.trim() || element.closest(':disabled, [aria-disabled=true]')) continue
      const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))]
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
      if (ratio < 4.5) lowContrast.push(`${element.tagName} “${element.textContent.trim().slice(0, 30)}” ${ratio.toFixed(2)}:1`)
    }
    return { unlabeled, lowContrast }
  })
}

/**
 * What does not fit the window's width: the page scrolling sideways (its scroll width past the
 * window), and visible buttons, links styled as buttons and inputs that reach past either edge.
 */
export async function overflow(page: Page): Promise<{ scrollWidth: number; width: number; cutOff: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const cutOff: string[] = []
    for (const element of document.querySelectorAll<HTMLElement>('main button, main .button, main input, main select, main textarea, header a, header button, dialog button')) {
      if (!element.offsetParent) continue
      const box = element.getBoundingClientRect()
      if (box.width === 0) continue
      // The header's section list scrolls on purpose: what is out of its view is reachable.
      if (element.closest('#sections')) continue
      if (box.left < -0.5 || box.right > width + 0.5) cutOff.push(`${element.tagName} “${(element.textContent || element.getAttribute('name') || '').trim().slice(0, 30)}” ${Math.round(box.left)}–${Math.round(box.right)}`)
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, cutOff }
  })
}
