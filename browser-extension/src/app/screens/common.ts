// Pieces several screens share: a loading state, a failure with its hint and a retry.
import type { AppContext } from '../context.ts'
import { describeError } from '../describe-error.ts'
import { alertBox, h, replace } from '../dom.ts'

/** Shows a heading and "Loading…" while `load` runs. */
export function loading(main: HTMLElement, title: string): void {
  replace(main, h('h1', { tabindex: '-1' }, title), h('p', { class: 'muted', role: 'status' }, 'Loading…'))
}

/** The error box for a failure: what happened, what to do, and Retry / Settings. */
export function failureBox(context: AppContext, error: unknown, retry?: () => void): HTMLElement {
  const wallet = context.wallet()
  const { message, hint } = describeError(error, { ...context.settings(), address: wallet.state === 'none' ? undefined : wallet.address })
  return alertBox(
    'error',
    message,
    hint ? h('p', {}, hint) : null,
    h(
      'div',
      { class: 'actions' },
      retry ? h('button', { type: 'button', class: 'secondary', onclick: retry }, 'Try again') : null,
      h('a', { href: '#/settings', class: 'button secondary' }, 'Settings'),
    ),
  )
}

/** Renders a failure in place of a screen's content, keeping its heading. */
export function failed(context: AppContext, main: HTMLElement, title: string, error: unknown, retry: () => void): void {
  replace(main, h('h1', { tabindex: '-1' }, title), failureBox(context, error, retry))
}
