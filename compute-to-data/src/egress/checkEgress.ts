import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type SafetensorsTensor, decodeSafetensors, encodeSafetensors, isDataVaultError } from '@datavault/sdk'
import type { TrainerOutputDeclaration, TrainerOutputFile } from '../trainers/definition.ts'
import { EgressViolationError } from './errors.ts'

/** Parameters of {@link checkEgress}. */
export type CheckEgressParameters = {
  /** The directory the job wrote its outputs to. */
  outputDir: string
  /** What the trainer declared it would write, from `trainer.outputs(schema, params)`. */
  declaration: TrainerOutputDeclaration
  /** Largest total size of the outputs, bytes. */
  maxBytes: number
  /** Largest `metrics.json`, bytes. Default 64 KiB. */
  maxMetricsBytes?: number | undefined
}

/** A released file: its name, its canonical bytes, and their SHA-256. */
export type EgressFile = { name: string; bytes: Uint8Array; sha256: `0x${string}` }

/** What may leave the node: the files in declaration order, and the metrics. */
export type CheckEgressReturnType = { files: EgressFile[]; metrics: Record<string, number> }

/** The error {@link checkEgress} throws. */
export type CheckEgressErrorType = EgressViolationError

/**
 * The egress guard: lets a job's outputs leave only when they are exactly what the trainer
 * declared. The directory must hold exactly the declared files, each a regular file with one link
 * (listed with lstat: links are never followed); safetensors files must decode strictly, hold
 * exactly the declared tensors with the declared dtypes and shapes, only finite floats, and only
 * allow-listed metadata (with the declared values); metrics files must be a flat JSON object of
 * finite numbers with exactly the declared names. What is released is re-encoded canonically, so
 * no byte of the program's formatting (whitespace, key order, padding) leaves: only the values.
 *
 * @example
 * const { files, metrics } = await checkEgress({ outputDir, declaration: trainer.outputs(schema, params), maxBytes: 64 << 20 })
 */
export async function checkEgress(parameters: CheckEgressParameters): Promise<CheckEgressReturnType> {
  const { outputDir, declaration, maxBytes, maxMetricsBytes = 64 * 1024 } = parameters
  const declared = new Map<string, TrainerOutputFile>()
  for (const file of declaration.files) {
    if (declared.has(file.name) || !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(file.name))
      throw new EgressViolationError('bad-declaration', 'The trainer declares a file twice or with an invalid name.')
    declared.set(file.name, file)
  }

  const present = await readdir(outputDir)
  const undeclared = present.filter((name) => !declared.has(name))
  if (undeclared.length > 0) throw new EgressViolationError('undeclared-file', `${undeclared.length} file(s) in the output were not declared.`)
  for (const name of declared.keys()) if (!present.includes(name)) throw new EgressViolationError('missing-file', `The declared file ${name} is missing.`)

  let total = 0
  const files: EgressFile[] = []
  let metrics: Record<string, number> = {}
  for (const file of declaration.files) {
    const path = join(outputDir, file.name)
    const stats = await lstat(path)
    if (!stats.isFile() || stats.nlink !== 1) throw new EgressViolationError('not-regular-file', `${file.name} is not a regular file.`)
    total += stats.size
    if (total > maxBytes) throw new EgressViolationError('too-large', `The outputs exceed ${maxBytes} bytes.`)
    if (file.kind === 'metrics' && stats.size > maxMetricsBytes) throw new EgressViolationError('too-large', `${file.name} exceeds ${maxMetricsBytes} bytes.`)
    const raw = await readExactly(path, stats.size)

    let bytes: Uint8Array
    if (file.kind === 'safetensors') bytes = checkSafetensors(file, raw)
    else {
      metrics = checkMetrics(file, raw)
      bytes = new TextEncoder().encode(JSON.stringify(metrics))
    }
    files.push({ name: file.name, bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}` })
  }
  return { files, metrics }
}

async function readExactly(path: string, size: number): Promise<Uint8Array> {
  // O_NOFOLLOW: a file swapped for a link after lstat is refused, not followed.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
    throw new EgressViolationError('not-regular-file', 'An output file could not be opened as a regular file.')
  })
  try {
    const bytes = new Uint8Array(size + 1)
    let read = 0
    for (;;) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read)
      if (bytesRead === 0) break
      read += bytesRead
      if (read > size) throw new EgressViolationError('too-large', 'An output file grew while it was read.')
    }
    return bytes.subarray(0, read)
  } finally {
    await handle.close()
  }
}

function checkSafetensors(file: Extract<TrainerOutputFile, { kind: 'safetensors' }>, raw: Uint8Array): Uint8Array {
  let decoded: ReturnType<typeof decodeSafetensors>
  try {
    decoded = decodeSafetensors(raw, { maxHeaderBytes: 1024 * 1024 })
  } catch (error) {
    const reason = isDataVaultError(error) ? (error as { reason?: string }).reason : undefined
    throw new EgressViolationError('bad-safetensors', `${file.name} is not a valid safetensors file${reason ? ` (${reason})` : ''}.`)
  }
  const { tensors, metadata = {} } = decoded

  const names = Object.keys(tensors)
  if (names.length !== file.tensors.length) throw new EgressViolationError('tensor-mismatch', `${file.name} holds ${names.length} tensors; ${file.tensors.length} are declared.`)
  for (const expected of file.tensors) {
    const tensor = tensors[expected.name]
    if (tensor === undefined) throw new EgressViolationError('tensor-mismatch', `${file.name} lacks the declared tensor ${expected.name}.`)
    if (tensor.dtype !== expected.dtype || tensor.shape.length !== expected.shape.length || tensor.shape.some((dim, i) => dim !== expected.shape[i]))
      throw new EgressViolationError('tensor-mismatch', `${file.name}: tensor ${expected.name} must be ${expected.dtype} ${JSON.stringify(expected.shape)}.`)
    if (!allFinite(tensor)) throw new EgressViolationError('non-finite', `${file.name}: tensor ${expected.name} holds NaN or infinite values.`)
  }

  const allowed = new Set(file.metadataKeys)
  for (const key of Object.keys(metadata)) if (!allowed.has(key)) throw new EgressViolationError('bad-metadata', `${file.name} has metadata keys that are not allowed.`)
  for (const [key, value] of Object.entries(file.metadataValues ?? {}))
    if (metadata[key] !== value) throw new EgressViolationError('bad-metadata', `${file.name}: metadata ${key} is not the declared value.`)

  return encodeSafetensors(tensors, Object.keys(metadata).length > 0 ? metadata : undefined)
}

function allFinite(tensor: SafetensorsTensor): boolean {
  switch (tensor.dtype) {
    case 'F32':
    case 'F64':
      for (const value of tensor.data as Float32Array | Float64Array) if (!Number.isFinite(value)) return false
      return true
    case 'F16':
      for (const bits of tensor.data as Uint16Array) if ((bits & 0x7c00) === 0x7c00) return false
      return true
    case 'BF16':
      for (const bits of tensor.data as Uint16Array) if ((bits & 0x7f80) === 0x7f80) return false
      return true
    case 'F8_E5M2':
      for (const bits of tensor.data as Uint8Array) if ((bits & 0x7c) === 0x7c) return false
      return true
    case 'F8_E4M3':
      for (const bits of tensor.data as Uint8Array) if ((bits & 0x7f) === 0x7f) return false
      return true
    default:
      return true
  }
}

function checkMetrics(file: Extract<TrainerOutputFile, { kind: 'metrics' }>, raw: Uint8Array): Record<string, number> {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
  } catch {
    throw new EgressViolationError('bad-metrics', `${file.name} is not UTF-8 JSON.`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EgressViolationError('bad-metrics', `${file.name} is not a JSON object.`)
  const entries = Object.entries(parsed)
  const names = new Set(file.names)
  if (entries.length !== names.size || entries.some(([name]) => !names.has(name)))
    throw new EgressViolationError('bad-metrics', `${file.name} must hold exactly the metrics ${file.names.join(', ')}.`)
  const metrics: Record<string, number> = {}
  for (const name of file.names) {
    const value = (parsed as Record<string, unknown>)[name]
    if (typeof value !== 'number') throw new EgressViolationError('bad-metrics', `${file.name}: metric ${name} is not a number.`)
    if (!Number.isFinite(value)) throw new EgressViolationError('non-finite', `${file.name}: metric ${name} is not finite.`)
    metrics[name] = value
  }
  return metrics
}
