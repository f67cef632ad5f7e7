// A few lines of DOM building instead of a framework: elements with attributes, listeners and
// children, and text always set as text (never parsed as HTML).

type Child = Node | string | number | false | null | undefined | Child[]
type Attributes = Record<string, string | number | boolean | undefined | null | EventListener | ((event: never) => void)>

/**
 * Creates an element. `on…` attributes are listeners; `true` sets a boolean attribute, `false`,
 * `null` and `undefined` leave it out; strings are children as text.
 *
 * @example
 * h('button', { type: 'button', onclick: () => save() }, 'Save')
 */
export function h<tag extends keyof HTMLElementTagNameMap>(tag: tag, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[tag] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value as EventListener)
    else if (name === 'value' && 'value' in element) (element as HTMLInputElement).value = String(value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

/** Appends children (text as text nodes). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

/** A unique id for label/aria wiring. */
let counter = 0
export function uid(prefix: string): string {
  counter += 1
  return `${prefix}-${counter}`
}

/**
 * A labelled form field: the label, the control, an optional hint, all wired with `for` and
 * `aria-describedby`.
 *
 * @example
 * field('Password', h('input', { type: 'password', name: 'password', required: true }), 'At least 10 characters.')
 */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid('field')
  const hintElement = hint ? h('p', { class: 'hint', id: uid('hint') }, hint) : undefined
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id)
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintElement)
}

/** 0x1234…abcd */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`
}

/**
 * An alert box for an error or a notice; `role=alert` so screen readers announce it at once.
 *
 * @example
 * alertBox('error', 'Wrong password.')
 */
export function alertBox(kind: 'error' | 'notice' | 'success', message: string, ...more: Child[]): HTMLElement {
  return h('div', { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status', tabindex: '-1' }, h('p', {}, message), ...more)
}

/**
 * Asks for confirmation in a modal dialog; resolves true when confirmed. Focus goes to the
 * dialog and back; Escape cancels.
 *
 * @example
 * if (await confirmDialog({ title: 'Revoke?', body: [...], confirm: 'Revoke', danger: true })) …
 */
export function confirmDialog({ title, body, confirm, cancel = 'Cancel', danger = false }: { title: string; body: Child[]; confirm: string; cancel?: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title')
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId })
    const finish = (value: boolean) => {
      dialog.close()
      dialog.remove()
      resolve(value)
    }
    append(dialog, [
      h('h2', { id: titleId }, title),
      h('div', { class: 'dialog-body' }, ...body),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => finish(false) }, cancel),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => finish(true) }, confirm),
      ),
    ])
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault()
      finish(false)
    })
    document.body.append(dialog)
    dialog.showModal()
  })
}

/**
 * A button that copies `text` to the clipboard and says so ("Copied") for a moment; its
 * accessible name says what it copies.
 *
 * @example
 * h('p', {}, h('code', {}, address), ' ', copyButton(address, 'Copy your address'))
 */
export function copyButton(text: string, label: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary small copy', 'aria-label': label, 'data-copy': text }, 'Copy')
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text)
      button.textContent = 'Copied'
    } catch {
      // No clipboard (a page without focus): select the text beside it so Ctrl+C copies it.
      const code = button.previousElementSibling
      if (code) getSelection()?.selectAllChildren(code)
      button.textContent = 'Selected: press Ctrl+C'
    }
    setTimeout(() => (button.textContent = 'Copy'), 4000)
  })
  return button
}
