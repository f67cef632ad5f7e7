// Publish: the price, who may train and within which limits, then a confirmation that says what
// will happen and what it costs, then the SDK's publishDataset with each step shown. A step that
// fails leaves nothing for sale and can be resumed.
import { type ComputeEnvironment, type ComputePolicy, type DatasetSchema, type DatasetView, type PublishDatasetStep, computePolicySchema } from '@datavault/sdk'
import { erc20Abi, formatUnits, parseUnits } from 'viem'
import type { LibraryItem } from '../../background/library.ts'
import type { AppContext } from '../context.ts'
import { describeError } from '../describe-error.ts'
import { alertBox, confirmDialog, copyButton, field, h, replace, shortAddress } from '../dom.ts'
import { readBalance } from '../chain-client.ts'
import { terms } from '../glossary.ts'
import { walletPanel } from '../wallet-panel.ts'
import { stoppedBecause } from './datasets.ts'
import { formatAmount } from '../format.ts'
import { addToPool, listedPools } from '../pools.ts'
import { type PublishRequest, estimatePublishFee, paidFees, publishItem } from '../vault-actions.ts'
import type { VaultSession } from '../vault-session.ts'
import { publicList } from './column-choices.ts'
import { failed, failureBox, loading } from './common.ts'

const stepLabels: Record<PublishDatasetStep, string> = {
  upload: 'Encrypted data on the vault node',
  datatoken: 'Create the tokens that prove the dataset is yours and that buyers spend to order a job — a transaction',
  register: 'Register the dataset, its columns and your rules with the vault node — a signed request, no fee',
  escrow: "Hand the data key to the node's key holders, sealed so it opens only for paid jobs your rules allow — no fee",
  price: 'Put it up for sale — a transaction',
}

/** The exact terms behind the steps' plain words. */
const stepTerms = () => terms('data-nft', 'datatoken', 'erc721factory', 'escrow', 'fixed-rate-exchange', 'dispenser', 'gas')

type BaseToken = { symbol: string; decimals: number }

/** The publish screen for a library item (`#/publish/<item id>`). */
export async function publishScreen(context: AppContext, main: HTMLElement, { path }: { path: string[] }): Promise<void> {
  const title = 'Publish'
  loading(main, title)
  let item: LibraryItem | undefined
  let session: VaultSession
  let baseToken: BaseToken
  let pools: DatasetView[] = []
  let poolsUnavailable: string | undefined
  let environments: ComputeEnvironment[]
  let balance: bigint | undefined
  try {
    session = await context.vault()
    item = (await context.background.request({ type: 'library.list' })).find((candidate) => candidate.id === path[0])
    const { Ocean } = await session.client.addresses()
    const [symbol, decimals] = await Promise.all([
      session.client.public.readContract({ address: Ocean, abi: erc20Abi, functionName: 'symbol' }),
      session.client.public.readContract({ address: Ocean, abi: erc20Abi, functionName: 'decimals' }),
    ])
    baseToken = { symbol, decimals }
    // Pools are optional here: a node or chain that cannot list them leaves the choice out, and
    // says so (a failure is not "no pools").
    pools = await listedPools(session).catch((error: unknown) => {
      poolsUnavailable = describeError(error, { ...session.settings, address: session.address }).message
      return []
    })
    environments = await session.client.getEnvironments()
    balance = await readBalance(session.settings.rpcUrl, session.address).catch(() => undefined)
  } catch (error) {
    return failed(context, main, title, error, () => void publishScreen(context, main, { path }))
  }
  if (!item || item.kind !== 'table' || !item.schema) {
    replace(main, h('h1', { tabindex: '-1' }, title), alertBox('error', 'There is no table with this id in your vault.'), h('a', { href: '#/datasets', class: 'button secondary' }, 'My datasets'))
    return
  }
  if (item.dataset) {
    context.navigate(`#/dataset/${item.dataset}`)
    return
  }
  policyForm(context, main, session, item, baseToken, pools, environments, poolsUnavailable, balance)
}

/** One line on where an environment runs a job, for an owner choosing where their data may be read. */
function describeEnvironment(environment: ComputeEnvironment): string {
  const runtime = { node: 'Node', python: 'Python', pytorch: 'PyTorch' }[environment.runtime]
  const where =
    environment.runner === 'sandbox'
      ? "in the vault node's sandbox"
      : `in a Kubernetes pod${environment.kubernetes?.runtimeClassName ? ` isolated by ${environment.kubernetes.runtimeClassName}` : ' with no extra isolation (no RuntimeClass)'}`
  return `${environment.name}: ${runtime} programs ${where}${environment.gpu ? `, ${environment.gpu} GPU${environment.gpu === 1 ? '' : 's'}` : ''}`
}

function policyForm(
  context: AppContext,
  main: HTMLElement,
  session: VaultSession,
  item: LibraryItem,
  baseToken: BaseToken,
  pools: DatasetView[],
  environments: ComputeEnvironment[],
  poolsUnavailable: string | undefined,
  balance: bigint | undefined,
): void {
  const attempt = item.publishAttempt
  const asked = attempt?.request
  const registered = attempt?.state.registered === true
  const schema = (asked?.schema as DatasetSchema | undefined) ?? item.schema!
  const askedPolicy = asked?.policy as (Partial<ComputePolicy> & { trainers?: string[] }) | undefined
  const trainerIds = [...new Set(session.node.trainers.map((trainer) => trainer.id))]

  const fixed = h('input', { type: 'radio', name: 'pricing', value: 'fixed', checked: !(asked?.free ?? false) })
  const free = h('input', { type: 'radio', name: 'pricing', value: 'free', checked: asked?.free ?? false })
  const amount = h('input', { type: 'text', name: 'price', inputmode: 'decimal', value: asked?.price ? formatUnits(BigInt(asked.price), baseToken.decimals) : '5', 'aria-describedby': 'price-hint' })
  const trainers = trainerIds.map((id) =>
    h('input', { type: 'checkbox', name: 'trainer', value: id, checked: askedPolicy?.trainers ? askedPolicy.trainers.includes(id) : id === trainerIds[0], disabled: registered }),
  )
  const places = environments.map((environment) =>
    h('input', {
      type: 'checkbox',
      name: 'environment',
      value: environment.name,
      checked: askedPolicy?.environments ? askedPolicy.environments.includes(environment.name) : true,
      disabled: registered,
    }),
  )
  const maxEpochs = h('input', { type: 'number', name: 'maxEpochs', min: 1, max: 10_000, value: askedPolicy?.maxEpochs ?? 200, disabled: registered })
  const minRows = h('input', { type: 'number', name: 'minRows', min: 1, value: askedPolicy?.minRows ?? '', disabled: registered })
  const dp = h('input', { type: 'checkbox', name: 'dp', checked: askedPolicy?.privacyBudget !== undefined, disabled: registered })
  const epsilon = h('input', { type: 'number', name: 'epsilon', step: 'any', min: 0.01, max: 1000, value: askedPolicy?.privacyBudget?.epsilon ?? 8, disabled: registered })
  const delta = h('input', { type: 'text', name: 'delta', inputmode: 'decimal', value: askedPolicy?.privacyBudget?.delta ?? '1e-5', disabled: registered })
  const numberColumns = schema.columns.filter((column) => column.type === 'number')
  const bounds = numberColumns.map((column) => ({
    name: column.name,
    // Proposed from the data when it was added (rounded outward) and shown here to confirm or change.
    min: h('input', { type: 'number', step: 'any', name: `min-${column.name}`, value: column.min ?? item.bounds?.[column.name]?.min ?? '', disabled: registered, 'aria-label': `Lowest value of ${column.name}` }),
    max: h('input', { type: 'number', step: 'any', name: `max-${column.name}`, value: column.max ?? item.bounds?.[column.name]?.max ?? '', disabled: registered, 'aria-label': `Highest value of ${column.name}` }),
  }))
  const privacy = h(
    'div',
    { class: 'dp-settings', hidden: !dp.checked },
    h(
      'div',
      { class: 'inline-fields' },
      field('Privacy budget for all jobs together', epsilon, 'Smaller is more private and gives buyers less accurate models; 1 to 10 is usual.'),
      field('Chance the privacy promise fails', delta, 'Keep it tiny: well below 1 divided by the number of rows.'),
    ),
    h('p', { class: 'hint' }, 'Private training cuts values off at the lowest and highest values below instead of reading them from your data. Buyers see them: choose round numbers a little wider than your data.'),
    h(
      'table',
      { class: 'data' },
      h('caption', {}, 'Lowest and highest value of each number column (public)'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Column'), h('th', { scope: 'col' }, 'Lowest'), h('th', { scope: 'col' }, 'Highest'))),
      h('tbody', {}, ...bounds.map((bound) => h('tr', {}, h('th', { scope: 'row' }, bound.name), h('td', {}, bound.min), h('td', {}, bound.max)))),
    ),
  )
  // Without DP the weights carry each number column's mean and standard deviation: said where the owner chooses.
  const summaries = h(
    'p',
    { class: 'alert alert-notice', role: 'note', 'data-summaries': '' },
    "Without private training, every trained model a buyer gets also carries each number column's average and spread (its mean and standard deviation), computed from your rows.",
  )
  const syncPrivacy = () => {
    privacy.hidden = !dp.checked
    summaries.hidden = dp.checked
  }
  dp.addEventListener('change', syncPrivacy)
  syncPrivacy()
  const amountField = h('div', { class: 'field' }, h('label', { for: 'price-amount' }, `Price per job (${baseToken.symbol})`), amount, h('p', { class: 'hint', id: 'price-hint' }, 'Buyers pay this for each training job; it goes to your wallet, less the exchange\'s fees.'))
  amount.id = 'price-amount'
  const syncPrice = () => (amountField.hidden = free.checked)
  fixed.addEventListener('change', syncPrice)
  free.addEventListener('change', syncPrice)
  syncPrice()

  const poolChoice = h('select', { name: 'pool', disabled: pools.length === 0 }, h('option', { value: '' }, 'No pool'), ...pools.map((pool) => h('option', { value: pool.pool! }, pool.name)))
  const errors = h('div', { class: 'errors' })
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'policy-title', novalidate: true },
    h('h2', { id: 'policy-title' }, 'Price and policy'),
    h('fieldset', {}, h('legend', {}, 'Price'), h('label', { class: 'choice' }, fixed, ' A fixed price per job'), h('label', { class: 'choice' }, free, ' Free'), amountField),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Who may train'),
      h('p', { class: 'hint' }, 'Only the trainers you tick run on your data. A buyer\'s own program waits for your approval, job by job.'),
      ...trainers.map((box) => h('label', { class: 'choice' }, box, ` ${box.value}`)),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Where it may run'),
      h('p', { class: 'hint' }, 'Jobs on your data run only in the places you tick. Leave them all ticked to allow any this node offers.'),
      ...places.map((box, index) => h('label', { class: 'choice' }, box, ` ${describeEnvironment(environments[index]!)}`)),
    ),
    h('fieldset', {}, h('legend', {}, 'Limits'), h('div', { class: 'inline-fields' }, field('Most training passes over the data per job', maxEpochs), field('Fewest rows a job may train on (optional)', minRows))),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Privacy'),
      h('label', { class: 'choice' }, dp, ' Require private training: each job adds noise, and all jobs together stay within a privacy budget'),
      summaries,
      privacy,
      terms('dp', 'epsilon', 'delta', 'bounds', 'epoch', 'mean-sd'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Raw download'),
      h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'rawDownload', disabled: true, 'aria-describedby': 'raw-hint' }), ' Allow buyers to download the data'),
      h('p', { class: 'hint', id: 'raw-hint' }, 'Off: buyers get trained weights only, never your rows.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Pool'),
      field(
        'Also add it to a pool (optional)',
        poolChoice,
        pools.length
          ? "The pool's members decide who may train on the pooled data and share what buyers pay for it; it stays for sale on its own too."
          : poolsUnavailable !== undefined
            ? `The pools could not be listed (${poolsUnavailable}). You can add it to one later, under Pools.`
            : 'No pool is listed on this node. You can add it to one later, under Pools.',
      ),
    ),
    errors,
    h('div', { class: 'actions' }, h('a', { href: '#/datasets', class: 'button secondary' }, 'Cancel'), h('button', { type: 'submit', class: 'primary' }, 'Review')),
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const request = readRequest()
    const pool = pools.find((candidate) => candidate.pool === poolChoice.value)
    if (request) void confirmAndPublish(context, main, session, item, baseToken, request, pool)
  })

  replace(
    main,
    h('h1', { tabindex: '-1' }, `Publish “${item.name}”`),
    attempt
      ? alertBox(
          'notice',
          stoppedBecause(attempt, balance),
          h('p', {}, 'Nothing is for sale. Publishing again resumes where it stopped; the steps already done are not repeated.'),
          registered ? h('p', {}, 'The schema and policy are registered with the node already: they stay as they were.') : null,
        )
      : null,
    form,
  )

  function readRequest(): PublishRequest | undefined {
    const problems: string[] = []
    let price: bigint | undefined
    if (fixed.checked) {
      try {
        price = parseUnits(amount.value.trim(), baseToken.decimals)
        if (price <= 0n) problems.push('The price must be more than 0 (or choose Free).')
      } catch {
        problems.push(`The price must be a number of ${baseToken.symbol}, like 5 or 0.5.`)
      }
    }
    const chosen = trainers.filter((box) => box.checked).map((box) => box.value)
    const policy: Partial<ComputePolicy> & { trainers: string[] } = { trainers: chosen, maxEpochs: Number(maxEpochs.value) }
    if (minRows.value.trim() !== '') policy.minRows = Number(minRows.value)
    const allowed = places.filter((box) => box.checked).map((box) => box.value)
    if (allowed.length === 0) problems.push('Tick at least one place where jobs may run.')
    else if (allowed.length < places.length) policy.environments = allowed
    let declared = schema
    if (dp.checked) {
      policy.privacyBudget = { epsilon: Number(epsilon.value), delta: Number(delta.value) }
      const missing = bounds.filter((bound) => bound.min.value.trim() === '' || bound.max.value.trim() === '' || !(Number(bound.min.value) < Number(bound.max.value)))
      if (missing.length > 0) problems.push(`With a privacy budget, every number column needs a lowest and a highest value (lowest below highest): ${missing.map((bound) => bound.name).join(', ')}.`)
      declared = {
        ...schema,
        columns: schema.columns.map((column) => {
          const bound = bounds.find((candidate) => candidate.name === column.name)
          return bound && column.type === 'number' ? { ...column, min: Number(bound.min.value), max: Number(bound.max.value) } : column
        }),
      }
    }
    const checked = computePolicySchema.safeParse(policy)
    if (!checked.success)
      for (const issue of checked.error.issues)
        problems.push(issue.path[0] === 'trainers' ? 'Tick at least one trainer.' : `${String(issue.path.join('.'))}: ${issue.message}`)
    if (problems.length > 0) {
      replace(errors, alertBox('error', 'Some settings need a change:', h('ul', {}, ...[...new Set(problems)].map((problem) => h('li', {}, problem)))))
      errors.querySelector<HTMLElement>('.alert')?.focus()
      return undefined
    }
    replace(errors)
    return { price, free: free.checked, policy, schema: declared }
  }
}

async function confirmAndPublish(context: AppContext, main: HTMLElement, session: VaultSession, item: LibraryItem, baseToken: BaseToken, request: PublishRequest, pool: DatasetView | undefined): Promise<void> {
  const state = item.publishAttempt?.state ?? {}
  let estimate: Awaited<ReturnType<typeof estimatePublishFee>>
  try {
    estimate = await estimatePublishFee(session, { free: request.free, datatokenExists: state.datatoken !== undefined })
  } catch (error) {
    replace(main, h('h1', { tabindex: '-1' }, `Publish “${item.name}”`), failureBox(context, error))
    return
  }
  const done = (step: PublishDatasetStep) =>
    step === 'upload' || (step === 'datatoken' && state.datatoken !== undefined) || (step === 'register' && state.registered === true) || (step === 'escrow' && state.keyEscrowed === true)
  const steps = (['datatoken', 'register', 'escrow', 'price'] as const).filter((step) => !done(step))
  const sale = request.free ? 'Nothing: it is free' : `${formatAmount(request.price!, baseToken.decimals, baseToken.symbol)} per job`
  const short = estimate.balance < estimate.fee
  const transactions = estimate.transactions + (pool ? 1 : 0)
  const confirmed = await confirmDialog({
    title: `Publish “${item.name}”?`,
    body: [
      h('p', {}, 'This will:'),
      h(
        'ol',
        { class: 'steps' },
        ...steps.map((step) => h('li', {}, step === 'price' ? `${stepLabels.price}: ${sale}` : stepLabels[step])),
        pool ? h('li', {}, `Add it to the pool “${pool.name}” — a transaction`) : null,
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Signed by'),
        h('dd', {}, h('code', { title: session.address }, shortAddress(session.address)), ' ', copyButton(session.address, 'Copy your address')),
        h('dt', {}, 'It costs you'),
        h('dd', {}, `Network fees for ${transactions} transaction${transactions === 1 ? '' : 's'}: at most about ${formatAmount(estimate.fee, 18, 'ETH')}${pool ? ' (and the pool transaction)' : ''} at today's gas price. You have ${formatAmount(estimate.balance, 18, 'ETH')}.`),
        h('dt', {}, 'Buyers pay'),
        h('dd', {}, sale),
        h('dt', {}, 'Who may train'),
        h(
          'dd',
          {},
          `${request.policy.trainers.join(', ')}; at most ${request.policy.maxEpochs} passes over the data per job${request.policy.privacyBudget ? `; private training only, within a privacy budget of ${request.policy.privacyBudget.epsilon}` : "; without private training, so models carry each number column's average and spread"}; raw download off`,
        ),
        h('dt', {}, 'Where it may run'),
        h('dd', {}, request.policy.environments ? request.policy.environments.join(', ') : "anywhere this node offers"),
        h('dt', {}, 'What becomes public'),
        h(
          'dd',
          {},
          publicList({ schema: request.schema, excluded: item.skipped.map((column) => column.name) }),
          request.policy.privacyBudget
            ? h('p', {}, `And the lowest and highest values: ${request.schema.columns.flatMap((column) => (column.type === 'number' ? [`${column.name} ${column.min} to ${column.max}`] : [])).join('; ')}.`)
            : null,
        ),
      ),
      short ? alertBox('notice', 'Your wallet may not hold enough ETH for the network fees: the first transaction would fail, and nothing would be for sale.') : null,
      stepTerms(),
    ],
    confirm: `Publish and sign ${transactions} transaction${transactions === 1 ? '' : 's'}`,
  })
  if (!confirmed) return
  await runPublish(context, main, session, item, baseToken, request, steps, pool)
}

async function runPublish(
  context: AppContext,
  main: HTMLElement,
  session: VaultSession,
  item: LibraryItem,
  baseToken: BaseToken,
  request: PublishRequest,
  steps: PublishDatasetStep[],
  pool: DatasetView | undefined,
): Promise<void> {
  const rows = new Map(steps.map((step) => [step, h('li', { 'data-step': step, 'data-state': 'waiting' }, h('span', { class: 'step-state' }, 'Waiting'), ' ', stepLabels[step])]))
  const outcome = h('div', { 'aria-live': 'polite' })
  replace(main, h('h1', { tabindex: '-1' }, `Publishing “${item.name}”`), h('ol', { class: 'steps progress-steps' }, ...rows.values()), outcome, stepTerms())
  const mark = (step: PublishDatasetStep, state: 'running' | 'done' | 'failed', label: string) => {
    const row = rows.get(step)
    if (!row) return
    row.dataset.state = state
    row.querySelector('.step-state')!.textContent = label
  }
  let current: PublishDatasetStep | undefined
  try {
    const published = await publishItem({
      session,
      background: context.background,
      item,
      request,
      onProgress: (event) => {
        if (event.status === 'started') {
          current = event.step
          mark(event.step, 'running', 'Working…')
          context.announce(stepLabels[event.step])
        } else if (event.status === 'done') mark(event.step, 'done', 'Done')
      },
    })
    let fees = ''
    try {
      fees = ` Network fees paid: ${formatAmount(await paidFees(session, [published.txHashes.datatoken, published.txHashes.price]), 18, 'ETH')}.`
    } catch {}
    // The dataset is published whatever happens next: a pool that refuses it leaves it for sale on its own.
    let pooled: HTMLElement | null = null
    if (pool) {
      try {
        const joined = await addToPool(session, { pool: pool.pool!, dataset: published.dataset })
        pooled = h('p', {}, joined.status === 'active' ? `Added to the pool “${pool.name}”.` : `The members of “${pool.name}” will vote on adding it.`)
      } catch (error) {
        const { message } = describeError(error, { ...session.settings, address: session.address })
        pooled = alertBox('error', `It is published, but adding it to the pool “${pool.name}” failed: ${message}`, h('p', {}, 'Try again under Pools.'))
      }
    }
    replace(
      outcome,
      alertBox(
        'success',
        `“${item.name}” is for sale: ${request.free ? 'free' : `${formatAmount(request.price!, baseToken.decimals, baseToken.symbol)} per job`}.${fees}`,
        h('details', { class: 'terms' }, h('summary', {}, 'Its address on the chain'), h('p', {}, 'Datatoken ', h('code', {}, published.datatoken))),
        pooled,
        h('div', { class: 'actions' }, h('a', { href: `#/dataset/${published.datatoken.toLowerCase()}`, class: 'button primary' }, 'See its jobs'), h('a', { href: '#/datasets', class: 'button secondary' }, 'My datasets')),
      ),
    )
  } catch (error) {
    if (current) mark(current, 'failed', 'Failed')
    const { message, hint, code } = describeError(error, { ...session.settings, address: session.address })
    replace(
      outcome,
      alertBox(
        'error',
        message,
        hint ? h('p', {}, hint) : null,
        h('p', {}, 'Nothing is for sale. What was done is kept: resuming continues from here.'),
        code === 'INSUFFICIENT_FUNDS' ? walletPanel(context) : null,
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => context.navigate(`#/publish/${item.id}`) }, 'Resume'), h('a', { href: '#/datasets', class: 'button secondary' }, 'My datasets')),
      ),
    )
  }
  outcome.querySelector<HTMLElement>('.alert')?.focus()
}
