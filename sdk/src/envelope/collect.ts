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
  // One piece that owns its whole buffer is returned as a plain Uint8Array view without a copy;
  // anything else (a slice of a pooled buffer, several pieces) is copied into a fresh array.
  const only = pieces[0]
  if (pieces.length === 1 && only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength)
    return new Uint8Array(only.buffer, 0, only.byteLength)
  const out = new Uint8Array(total)
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}
