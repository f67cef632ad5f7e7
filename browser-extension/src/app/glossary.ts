// The exact terms behind the app's plain words (the contracts, events, ciphers and privacy
// measures a developer or an auditor would look up), one click away: each screen says things
// plainly and ends a section with "The exact terms", a details element listing the ones it used.
import { h } from './dom.ts'

/** Every term the app may show, with what it is in plain words. */
export const glossary = {
  eth: ['ETH', "The chain's own currency. Network fees are paid in it."],
  gas: ['Gas (network fee)', 'What a transaction costs: a gas amount times a gas price, paid in ETH to the computers that run the chain.'],
  'data-nft': ['Data NFT', 'An Ocean Protocol token (ERC-721) that records on the chain that you own the dataset.'],
  datatoken: ['Datatoken', 'An Ocean Protocol token (ERC-20) made with the data NFT. A buyer spends one datatoken to order one training job.'],
  erc721factory: ['ERC721Factory', "Ocean's contract that creates the data NFT and its datatoken in one transaction."],
  'fixed-rate-exchange': ['FixedRateExchange', "Ocean's contract that sells datatokens at the price you set; what buyers pay waits there until it is collected."],
  dispenser: ['Dispenser', "Ocean's contract that hands out datatokens for free, for a free dataset."],
  escrow: ['Key escrow', "Your dataset's key, sealed to the vault node's key holders so that it opens only for a paid job your policy allows."],
  'key-holder-registry': ['KeyHolderRegistry', 'The contract where a revocation is recorded; every key holder checks it and deletes its share of the key.'],
  'order-started': ['OrderStarted', "The chain event a buyer's order emits: each one is one order."],
  swapped: ['Swapped', 'The chain event of a sale on the exchange: what the buyer paid, less the fees.'],
  aes: ['AES-256-GCM', 'The cipher that encrypts your data in this browser, with a fresh 256-bit key for each file.'],
  cid: ['CID', 'Content identifier: the address of the encrypted file on IPFS, computed from its bytes.'],
  dp: ['Differential privacy (DP)', 'Training that adds calibrated noise so the model says almost nothing about any one row.'],
  epsilon: ['ε (epsilon)', 'The privacy budget: how much all jobs together may reveal about any one row. Smaller is more private; each private job spends some of it.'],
  delta: ['δ (delta)', 'The small chance that the ε promise does not hold. Keep it well below 1 divided by the number of rows.'],
  bounds: ['Declared bounds', 'The lowest and highest value of each number column. They are public; private training clips values to them instead of reading them from the data.'],
  epoch: ['Epoch', 'One training pass over all the rows.'],
  'mean-sd': ['Mean and standard deviation', "Without differential privacy, trained weights come with each number column's average (mean) and spread (standard deviation), computed from your rows, so the model can scale new data the same way."],
} as const satisfies Record<string, readonly [string, string]>

/** A key of {@link glossary}. */
export type GlossaryTerm = keyof typeof glossary

/**
 * "The exact terms": a closed details element that lists the terms (name and meaning).
 *
 * @example
 * form.append(terms('datatoken', 'fixed-rate-exchange'))
 */
export function terms(...keys: GlossaryTerm[]): HTMLDetailsElement {
  return h(
    'details',
    { class: 'terms' },
    h('summary', {}, 'The exact terms'),
    h('dl', {}, ...keys.flatMap((key) => [h('dt', { 'data-term': key }, glossary[key][0]), h('dd', {}, glossary[key][1])])),
  )
}
