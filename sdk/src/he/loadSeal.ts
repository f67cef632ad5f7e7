import { readFile } from 'node:fs/promises'
import SEAL from 'node-seal'
import type { MainModule } from 'node-seal'

/** A node-seal (SEAL 4.1.2 in WebAssembly) instance and a view of its WASM heap. */
export type SealRuntime = {
  seal: MainModule
  /**
   * Bytes of WASM memory the instance holds now. WASM memory never shrinks, so a flat value over
   * many operations means objects are freed and reused; a growing one means a leak.
   */
  heapBytes(): number
}

/**
 * Starts one node-seal instance (one WASM module with its own memory, at most 4 GiB). Each worker
 * thread starts its own; SEAL objects never cross instances (they travel serialized).
 *
 * @example
 * const { seal, heapBytes } = await loadSeal()
 */
export async function loadSeal(): Promise<SealRuntime> {
  let memory: WebAssembly.Memory | undefined
  const wasm = await readFile(new URL('seal_throws.wasm', import.meta.resolve('node-seal')))
  const seal = await SEAL({
    // Emscripten's documented hook: instantiate here so the module's exported memory can be read.
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      void WebAssembly.instantiate(wasm, imports).then(({ instance, module }) => {
        memory = Object.values(instance.exports).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory)
        receive(instance, module)
      })
      return {}
    },
  })
  return { seal, heapBytes: () => memory?.buffer.byteLength ?? 0 }
}
