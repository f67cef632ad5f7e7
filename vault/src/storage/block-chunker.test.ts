import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { describe, expect, test } from 'vitest'
import { createBlockChunker } from './block-chunker.ts'

async function* pieces(sizes: number[]) {
  let n = 0
  for (const size of sizes) yield new Uint8Array(size).map(() => n++ & 0xff)
}

/** The blocks as copies (a block's buffer may be filled again once released). */
async function blocksOf(source: AsyncIterable<Uint8Array>, onBlock: (block: Uint8Array) => void = () => {}) {
  const blocks: number[][] = []
  for await (const block of source) {
    blocks.push([...block])
    onBlock(block)
  }
  return blocks
}

describe('createBlockChunker', () => {
  test('default: cuts the bytes where the importer\'s fixedSize chunker does', async () => {
    for (const sizes of [[10, 3, 7, 1, 25], [16], [32], [5], [], [0, 0], [40, 0, 8]]) {
      const { chunker, release } = createBlockChunker(16)
      const ours = await blocksOf(chunker(pieces(sizes)), release)
      const theirs = await blocksOf(fixedSize({ chunkSize: 16 })(pieces(sizes)))
      expect(ours, `pieces ${sizes.join(', ')}`).toEqual(theirs)
    }
  })

  test('behavior: a buffer is filled again only after its block was released', async () => {
    const { chunker, release } = createBlockChunker(8)
    const held: Uint8Array[] = []
    const buffers = new Set<ArrayBufferLike>()
    // Nothing released: every block gets a buffer of its own, and keeps its bytes.
    const blocks = await blocksOf(chunker(pieces([20, 20])), (block) => {
      held.push(block)
      buffers.add(block.buffer)
    })
    expect(buffers.size).toBe(5)
    expect(held.map((block) => [...block])).toEqual(blocks)

    // Each released as soon as it is seen: two buffers take turns at most.
    const reused = createBlockChunker(8)
    const seen = new Set<ArrayBufferLike>()
    await blocksOf(reused.chunker(pieces([64])), (block) => {
      seen.add(block.buffer)
      reused.release(block)
    })
    expect(seen.size).toBeLessThanOrEqual(2)
  })

  test('args: keep bounds the buffers kept for reuse; release ignores blocks it did not hand out', async () => {
    const { chunker, release } = createBlockChunker(4, { keep: 1 })
    const out: Uint8Array[] = []
    for await (const block of chunker(pieces([12]))) out.push(block)
    release(new Uint8Array(4))
    for (const block of out) release(block)
    const again = new Set<ArrayBufferLike>()
    for await (const block of chunker(pieces([8]))) again.add(block.buffer)
    expect([...again].filter((buffer) => out.some((block) => block.buffer === buffer))).toHaveLength(1)
  })

  test('error: a block size that is not a positive integer is refused', () => {
    expect(() => createBlockChunker(0)).toThrow(RangeError)
    expect(() => createBlockChunker(1.5)).toThrow(RangeError)
  })
})
