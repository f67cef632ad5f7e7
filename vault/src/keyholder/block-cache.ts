/** Options of {@link blockCache}. */
export type BlockCacheParameters = {
  /** The chain's current block number, asked anew (never a cached or shared earlier answer). */
  blockNumber(): Promise<bigint>
  /** Most reads kept for one block (the oldest go first). */
  maxEntries?: number
}

/** What {@link blockCache} returns. */
export type BlockCache = {
  /**
   * The value of `read` at the chain's current block: `read(block)` must answer for exactly that
   * block (or a later one), and is called only when this block's value is not known yet. A read
   * that fails is not kept; `keep(value, block)` false keeps a value out too (one that was
   * answered for a later block than `block`).
   */
  read<T>(key: string, read: (block: bigint) => Promise<T>, keep?: (value: T, block: bigint) => boolean): Promise<T>
}

/**
 * Chain reads keyed by block: each read first asks the chain for its current block number (one
 * request shared by the reads started together, e.g. one key release's), and reuses a value
 * only when it was read for that same block. A value is therefore always the chain's state at
 * a block at least as new as the one current when the read was asked, as an uncached read at
 * `latest` is; only repeated reads within one block are saved (the dataset's state, the compute
 * node's registration and the order's receipt a key holder checks for each release).
 *
 * @example
 * const cache = blockCache({ blockNumber: async () => BigInt(await client.request({ method: 'eth_blockNumber' })) })
 * const state = await cache.read(`state:${dataset}`, (blockNumber) => client.readContract({ ...call, blockNumber }))
 */
export function blockCache({ blockNumber, maxEntries = 1024 }: BlockCacheParameters): BlockCache {
  let block: bigint | undefined
  let entries = new Map<string, Promise<unknown>>()
  // The block number asked for the reads started in this turn of the event loop; a read started
  // later asks again, so it never takes a block number that was current before it was asked.
  let asked: Promise<bigint> | undefined
  const current = () => {
    if (!asked) {
      asked = blockNumber()
      queueMicrotask(() => {
        asked = undefined
      })
    }
    return asked
  }
  return {
    async read<T>(key: string, read: (block: bigint) => Promise<T>, keep: (value: T, block: bigint) => boolean = () => true): Promise<T> {
      const at = await current()
      if (at !== block) {
        block = at
        entries = new Map()
      }
      const known = entries.get(key) as Promise<T> | undefined
      if (known) return known
      const value = read(at)
      const forget = () => {
        if (entries.get(key) === value) entries.delete(key)
      }
      entries.set(key, value)
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
      value.then((answer) => {
        if (!keep(answer, at)) forget()
      }, forget)
      return value
    },
  }
}
