import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { type GraphWalkerComponents, createHeliaLight } from 'helia'
import { depthFirstWalker } from '@helia/utils'
import { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { createBlockChunker } from './block-chunker.ts'
import { ContentNotFoundError, type Storage, StorageFullError, isDiskFull, limitBytes } from './storage.ts'

/** Multicodec code of raw blocks: UnixFS file leaves, which link to nothing. */
const rawCodec = 0x55

/**
 * Pinning walks a DAG to record every block it reaches. A raw leaf has no links, and this node
 * wrote every leaf of the file it pins a moment before, so the walk is spared reading the leaves
 * back (which was most of an upload's time: ~5 s per 256 MiB here).
 */
const skipRawLeaves = (components: GraphWalkerComponents) =>
  depthFirstWalker()({
    ...components,
    // The walker only ever calls `get`.
    blockstore: {
      get: (cid: CID, options?: AbortOptions) => (cid.code === rawCodec ? (async function* () {})() : components.blockstore.get(cid, options)),
    } as unknown as GraphWalkerComponents['blockstore'],
  })

/** Bytes per UnixFS leaf block: the importer's default (1 MiB), so CIDs stay what they were. */
const blockSize = 1 << 20

/** Settings of the embedded IPFS node. */
export type HeliaStorageInit = {
  /** Blocks go under `<dir>/blocks`, Helia's datastore (pins) under `<dir>/datastore`. */
  dir: string
  /** Where start-up clean-up is reported. */
  logger?: Pick<Logger, 'info' | 'warn'>
}

/**
 * blockstore-fs writes each block to `.<name>.tmp` and renames it; a process killed mid-write
 * leaves the temp file behind, which nothing else ever removes.
 */
async function removePartialWrites(blocksDir: string): Promise<number> {
  let entries: string[]
  try {
    entries = await readdir(blocksDir, { recursive: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  const partial = entries.filter((entry) => /(^|\/)\.[^/]+\.tmp$/.test(entry))
  for (const entry of partial) await rm(join(blocksDir, entry), { force: true })
  return partial.length
}

/**
 * Embedded IPFS: Helia with filesystem block and data stores and no networking, so it starts
 * offline and everything it holds survives a restart. Files are UnixFS, pinned on add.
 *
 * @example
 * const storage = await heliaStorage({ dir: join(dataDir, 'ipfs') })
 * const { cid } = await storage.add(stream, { maxBytes })
 */
export async function heliaStorage({ dir, logger }: HeliaStorageInit): Promise<Storage> {
  const partialWrites = await removePartialWrites(join(dir, 'blocks'))
  if (partialWrites > 0) logger?.info({ partialWrites }, 'removed blocks a crash left half-written')
  const helia = createHeliaLight({
    blockstore: new FsBlockstore(join(dir, 'blocks')),
    datastore: new FsDatastore(join(dir, 'datastore')),
  })
  await helia.start()
  const fs = unixfs(helia)

  // Blocks of an add are unpinned until it finishes, so garbage collection must never overlap an
  // add: a failed upload only marks GC as wanted, and GC runs when no add is in flight (at most
  // once a minute), while new adds wait for a running GC.
  let inFlight = 0
  let gcWanted = false
  let gcRunning: Promise<void> | undefined
  let lastGc = 0
  const gcIntervalMs = 60_000
  const maybeCollect = () => {
    if (!gcWanted || inFlight > 0 || gcRunning || Date.now() - lastGc < gcIntervalMs) return
    gcWanted = false
    lastGc = Date.now()
    gcRunning = helia
      .gc()
      // A failed collection is tried again at the next chance (nothing is lost but disk space for a while).
      .catch((error: unknown) => {
        logger?.warn({ err: error }, 'collecting unpinned blocks failed; will retry')
        gcWanted = true
      })
      .finally(() => {
        gcRunning = undefined
      })
  }
  const gcTimer = setInterval(maybeCollect, gcIntervalMs)
  gcTimer.unref()
  // An upload cut off by a crash leaves blocks that no pin reaches (a kill -9 mid-upload left
  // 144 MB): collect them now. Adds wait for this collection; reads of pinned files need not.
  gcWanted = true
  maybeCollect()

  const parse = (cid: string) => {
    try {
      return CID.parse(cid)
    } catch {
      throw new ContentNotFoundError(cid)
    }
  }

  return {
    async add(source, { maxBytes = Number.MAX_SAFE_INTEGER, signal } = {}) {
      while (gcRunning) await gcRunning
      inFlight++
      let size = 0
      let full = false
      const counted = (async function* () {
        for await (const chunk of limitBytes(source, maxBytes)) {
          size += chunk.byteLength
          yield chunk
        }
      })()
      try {
        // One block write at a time: blockstore-fs writes each block through a temp file and a
        // rename, and measured here concurrent writes were ~5× slower than sequential ones. The
        // blocks are cut into a few reused buffers, each filled again only once the block in it
        // is written (the blockstore below says so): fresh 1 MiB buffers per block cost more CPU
        // (page faults, and V8's full collections for external memory) than the rest of the add.
        const { chunker, release } = createBlockChunker(blockSize)
        const blockstore = helia.blockstore
        const adder = unixfs({
          blockstore: {
            get: (cid, options) => blockstore.get(cid, options),
            has: (cid, options) => blockstore.has(cid, options),
            put: async (cid, block, options) => {
              try {
                return await blockstore.put(cid, block, options)
              } finally {
                if (block instanceof Uint8Array) release(block)
              }
            },
          },
        })
        const cid = await adder.addByteStream(counted, { signal, blockWriteConcurrency: 1, chunker })
        if (!(await helia.pins.isPinned(cid))) for await (const _ of helia.pins.add(cid, { signal, walker: skipRawLeaves })) void _
        return { cid: cid.toString(), size }
      } catch (error) {
        // Blocks of an upload that failed half-way stay unpinned; collect them when it is safe.
        gcWanted = true
        if (!isDiskFull(error)) throw error
        full = true
        throw new StorageFullError({ cause: error })
      } finally {
        inFlight--
        // A full disk cannot wait a minute for its space back: collect at once (when no other add
        // is in flight) and answer only when this add's blocks are gone.
        if (full) lastGc = 0
        maybeCollect()
        if (full) await gcRunning
      }
    },

    async *cat(cid, { signal } = {}) {
      const parsed = parse(cid)
      if (!(await helia.pins.isPinned(parsed))) throw new ContentNotFoundError(cid)
      yield* fs.cat(parsed, { signal, offline: true })
    },

    async stat(cid) {
      const parsed = parse(cid)
      if (!(await helia.pins.isPinned(parsed))) return undefined
      const stat = await fs.stat(parsed, { offline: true })
      return { size: Number(stat.size) }
    },

    async unpin(cid) {
      const parsed = parse(cid)
      if (await helia.pins.isPinned(parsed)) for await (const _ of helia.pins.rm(parsed)) void _
      gcWanted = true
      maybeCollect()
    },

    async stop() {
      clearInterval(gcTimer)
      await gcRunning
      await helia.stop()
    },
  }
}
