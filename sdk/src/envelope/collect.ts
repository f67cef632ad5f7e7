/** Runs `bytes` through `transform` and joins the output into one array. */
export async function transformBytes(
  bytes: Uint8Array,
  transform: TransformStream<Uint8Array, Uint8Array>,
): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
  const pieces: Uint8Array[] = []
  let total = 0
  const reader = source.pipeThrough(transform).getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    pieces.push(read.value)
    total += read.value.length
  }
  if (pieces.length === 1 && pieces[0]!.length === total) return pieces[0]!
  const out = new Uint8Array(total)
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}
