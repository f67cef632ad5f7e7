// The wallet screens: create or import a wallet (no wallet yet), unlock (locked).
import { alertBox, field, h, replace, shortAddress } from '../dom.ts'
import { connectionFields } from '../connection.ts'
import type { AppContext } from '../context.ts'
import { describeError } from '../describe-error.ts'
import { minPasswordLength } from '../../wallet/wallet-keeper.ts'

/** Runs a form's work with its button disabled and a busy label; shows the error in `errors`. */
async function submitting(form: HTMLFormElement, errors: HTMLElement, busy: string, work: () => Promise<void>): Promise<void> {
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!
  const label = button.textContent
  button.disabled = true
  button.textContent = busy
  form.setAttribute('aria-busy', 'true')
  replace(errors)
  try {
    await work()
  } catch (error) {
    const { message, hint } = describeError(error)
    replace(errors, alertBox('error', message, hint ? h('p', {}, hint) : null))
  } finally {
    button.disabled = false
    button.textContent = label
    form.removeAttribute('aria-busy')
  }
}

/** A new password and its repetition; `read` gives it when both agree. */
function newPasswordFields(): { fields: HTMLElement[]; read(): string | undefined } {
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: minPasswordLength, maxlength: 1024 })
  const repeat = h('input', { type: 'password', name: 'repeat', autocomplete: 'new-password', required: true })
  return {
    fields: [
      field('Password', password, `At least ${minPasswordLength} characters. It encrypts your key in this browser; it cannot be recovered.`),
      field('Repeat the password', repeat),
    ],
    read: () => (password.value === repeat.value ? password.value : undefined),
  }
}

/** No wallet yet: create one, or import a key or a keystore file. */
export async function welcomeScreen(context: AppContext, main: HTMLElement): Promise<void> {
  // The node and chain first: the wallet's first screen then talks to the ones chosen here.
  const connection = connectionFields(context.settings())
  const connectionCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'connection-title' },
    h('h2', { id: 'connection-title' }, '1. Your vault node'),
    h('p', {}, 'Keep these to use the vault node on this computer, or give the addresses of the node you use. Creating or importing the wallet saves them; you can change them later in Settings.'),
    ...connection.fields,
  )
  /** Saves the node and chain (asking the browser's permission first, within the owner's click). */
  const saveConnection = (errors: HTMLElement): (() => Promise<boolean>) => {
    const granted = connection.requestPermission()
    return async () => {
      if (!(await granted)) {
        replace(errors, alertBox('error', 'The extension needs your permission to reach that node and chain.'))
        return false
      }
      await connection.save(context)
      return true
    }
  }
  const createErrors = h('div', { class: 'errors' })
  const created = newPasswordFields()
  const createForm = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-title' },
    h('h2', { id: 'create-title' }, '2. Create a wallet'),
    h('p', {}, 'A new key is made here and kept encrypted with your password. It signs what you publish and proves to the vault node that the data is yours.'),
    ...created.fields,
    createErrors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create wallet')),
  )
  createForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const saved = saveConnection(createErrors)
    void submitting(createForm, createErrors, 'Creating…', async () => {
      const password = agreedPassword(created, createErrors)
      if (password === undefined || !(await saved())) return
      await context.background.request({ type: 'wallet.create', password })
      context.announce('Wallet created.')
      await context.refresh()
      context.navigate('#/start')
    })
  })

  const importErrors = h('div', { class: 'errors' })
  const imported = newPasswordFields()
  const keyInput = h('input', { type: 'password', name: 'privateKey', autocomplete: 'off', spellcheck: 'false' })
  const fileInput = h('input', { type: 'file', name: 'keystore', accept: '.json,application/json' })
  const filePassword = h('input', { type: 'password', name: 'keystorePassword', autocomplete: 'off' })
  const importForm = h(
    'form',
    { class: 'card', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title' }, 'Or import a wallet'),
    h('p', {}, 'A private key, or a keystore file (from the datavault CLI, geth or MetaMask). It is kept encrypted with the new password.'),
    field('Private key', keyInput, '64 hexadecimal digits. Leave empty to import a keystore file instead.'),
    field('Keystore file', fileInput),
    field("The keystore file's password", filePassword),
    ...imported.fields,
    importErrors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Import wallet')),
  )
  importForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const saved = saveConnection(importErrors)
    void submitting(importForm, importErrors, 'Importing…', async () => {
      const password = agreedPassword(imported, importErrors)
      if (password === undefined || !(await saved())) return
      const file = fileInput.files?.[0]
      if (keyInput.value.trim() !== '') await context.background.request({ type: 'wallet.importKey', privateKey: keyInput.value, password })
      else if (file) await context.background.request({ type: 'wallet.importKeystore', keystore: await file.text(), keystorePassword: filePassword.value, password })
      else {
        replace(importErrors, alertBox('error', 'Give a private key or a keystore file.'))
        return
      }
      keyInput.value = ''
      context.announce('Wallet imported.')
      await context.refresh()
      context.navigate('#/start')
    })
  })

  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Your datavault'),
    h('p', { class: 'lead' }, 'Keep your data encrypted in a vault, let buyers train models on it without ever seeing it, and see every job that ran.'),
    connectionCard,
    h('div', { class: 'columns' }, createForm, importForm),
  )
}

function agreedPassword(fields: { read(): string | undefined }, errors: HTMLElement): string | undefined {
  const password = fields.read()
  if (password === undefined) replace(errors, alertBox('error', 'The two passwords differ.'))
  return password
}

/** A wallet that is locked: unlock it with the password. */
export async function unlockScreen(context: AppContext, main: HTMLElement): Promise<void> {
  const status = context.wallet()
  const errors = h('div', { class: 'errors' })
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'data-autofocus': true })
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'unlock-title' },
    h('h2', { id: 'unlock-title' }, 'Unlock your wallet'),
    status.state === 'locked' ? h('p', {}, 'Wallet ', h('code', { title: status.address }, shortAddress(status.address)), ` — it locks itself after ${context.settings().autoLockMinutes} minutes without use.`) : null,
    field('Password', password),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Unlock')),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, errors, 'Unlocking…', async () => {
      try {
        await context.background.request({ type: 'wallet.unlock', password: password.value })
      } finally {
        // Cleared either way; after a wrong one the field has the focus again, ready for another try.
        password.value = ''
        password.focus()
      }
      context.announce('Wallet unlocked.')
      await context.refresh()
      const back = new URLSearchParams(location.hash.split('?')[1] ?? '').get('then')
      context.navigate(back && back.startsWith('#/') ? back : '#/datasets')
    })
  })
  replace(main, h('h1', { tabindex: '-1' }, 'Locked'), form, h('p', {}, h('a', { href: '#/settings' }, 'Settings')))
  password.focus()
}
