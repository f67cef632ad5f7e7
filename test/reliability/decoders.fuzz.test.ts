// Property-based fuzzing (fast-check) of the decoders that read hostile bytes: the envelope
// decoder, the CSV parser, the safetensors checker and the signed-request verifier. Each input
// either decodes or fails with the decoder's own error (a stable name and code); none throws
// anything else (a TypeError, a RangeError), and none hangs (each run is bounded by the test's time).
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import {
  authHeaders,
  decodeSafetensors,
  decryptBytes,
  encodeSafetensors,
  encryptBytes,
  generateDataKey,
  signRequest,
  parseCsv,
  verifyRequestSignature,
} from '@datavault/sdk'
import { fullRun, record } from './fixtures/report.ts'

const numRuns = fullRun ? 2000 : 200

/** Runs `property`, counting inputs and the ones that broke it (a crash: an error of the wrong kind). */
async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void> | void) {
  let tried = 0
  let crashes = 0
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      tried++
      try {
        await check(value)
      } catch (error) {
        crashes++
        throw error
      }
    }),
    { numRuns },
  )
  record({ kind: 'hostile', name, tried, fiveHundreds: 0, crashes, hangs: 0 })
  if (result.failed) throw new Error(fc.defaultReportMessage(result))
}

/** Fails unless `error` is the decoder's own kind: a DataVaultError-shaped error with one of `codes`. */
function expectOwnError(error: unknown, codes: RegExp) {
  const { name, code } = error as { name?: string; code?: unknown }
  if (typeof code !== 'string' || !codes.test(code)) throw new Error(`not a decoder error: ${name}: ${(error as Error)?.message}`)
}

/** Mutations of valid bytes: flipped bits, cut, extended, spliced. */
const mutated = (valid: Uint8Array) =>
  fc.oneof(
    fc.record({ at: fc.nat({ max: valid.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => {
      const copy = valid.slice()
      copy[at]! ^= 1 << bit
      return copy
    }),
    fc.nat({ max: valid.length - 1 }).map((end) => valid.slice(0, end)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => new Uint8Array([...valid, ...tail])),
    fc.record({ at: fc.nat({ max: valid.length - 1 }), junk: fc.uint8Array({ maxLength: 32 }) }).map(({ at, junk }) => new Uint8Array([...valid.subarray(0, at), ...junk, ...valid.subarray(at)])),
  )

describe('envelope decoder', () => {
  const key = generateDataKey()

  test('behavior: random bytes fail as ENVELOPE_* errors', () =>
    fuzz('envelope decoder: random bytes', fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
      await decryptBytes(key, bytes).then(
        () => {
          throw new Error('random bytes decrypted')
        },
        (error: unknown) => expectOwnError(error, /^ENVELOPE_/),
      )
    }))

  test('behavior: a mutated envelope either fails as ENVELOPE_* or (unchanged bytes) gives back the plaintext', async () => {
    const plaintext = new TextEncoder().encode('age,bmi\n1,2\n'.repeat(500))
    const envelope = await encryptBytes(key, plaintext, { chunkSize: 1024 })
    await fuzz('envelope decoder: mutated envelopes', mutated(envelope), async (bytes) => {
      await decryptBytes(key, bytes).then(
        (out) => expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true),
        (error: unknown) => expectOwnError(error, /^ENVELOPE_/),
      )
    })
  })
})

describe('CSV parser', () => {
  const csvText = fc.string({ unit: fc.constantFrom('a', 'b', '1', ',', '"', '\r', '\n', ' ', '\uFEFF', 'é', '\u0000'), maxLength: 300 })

  test('behavior: any text parses or fails as CSV_INVALID', () =>
    fuzz('CSV parser: random text', csvText, (text) => {
      try {
        let records = 0
        parseCsv(text, () => void records++)
        expect(records).toBeLessThanOrEqual(text.length + 1)
      } catch (error) {
        if ((error as { code?: string }).code !== 'CSV_INVALID') throw error
      }
    }))

  test('behavior: records written as RFC 4180 parse back to the same records', () =>
    fuzz(
      'CSV parser: round trip',
      fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', 'x', ' ') , maxLength: 8 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
      (rows) => {
        // One empty field alone on a line would be an empty line: quote every field.
        const text = rows.map((row) => row.map((field) => `"${field.replaceAll('"', '""')}"`).join(',')).join('\r\n')
        const parsed: string[][] = []
        parseCsv(text, (fields) => void parsed.push(fields))
        expect(parsed).toEqual(rows)
      },
    ))
})

describe('safetensors checker', () => {
  const valid = encodeSafetensors({ weights: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }, bias: { dtype: 'F32', shape: [3], data: new Float32Array(3) } }, { trainer: 'x' })

  test('behavior: random bytes fail as SAFETENSORS_FORMAT', () =>
    fuzz('safetensors checker: random bytes', fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      try {
        decodeSafetensors(bytes)
      } catch (error) {
        expectOwnError(error, /^SAFETENSORS_FORMAT$/)
      }
    }))

  test('behavior: a random JSON header after a valid length prefix fails as SAFETENSORS_FORMAT or decodes', () =>
    fuzz('safetensors checker: random headers', fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.uint8Array({ maxLength: 64 })), ([header, data]) => {
      const json = new TextEncoder().encode(JSON.stringify(header) ?? 'null')
      const bytes = new Uint8Array(8 + json.length + data.length)
      new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true)
      bytes.set(json, 8)
      bytes.set(data, 8 + json.length)
      try {
        decodeSafetensors(bytes)
      } catch (error) {
        expectOwnError(error, /^SAFETENSORS_FORMAT$/)
      }
    }))

  test('behavior: a mutated valid file decodes or fails as SAFETENSORS_FORMAT', () =>
    fuzz('safetensors checker: mutated files', mutated(valid), (bytes) => {
      try {
        decodeSafetensors(bytes)
      } catch (error) {
        expectOwnError(error, /^SAFETENSORS_FORMAT$/)
      }
    }))
})

describe('signed-request verifier', () => {
  const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
  const domain = { chainId: 8996, node: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const }
  const names = Object.values(authHeaders)
  const headerValue = fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^0x[0-9a-fA-F]{0,140}$/), fc.stringMatching(/^\d{1,14}$/), fc.array(fc.string(), { maxLength: 2 }))

  test('behavior: random signature headers are refused with a REQUEST_* error', () =>
    fuzz('signed-request verifier: random headers', fc.dictionary(fc.constantFrom(...names), headerValue), async (headers) => {
      await verifyRequestSignature({ ...domain, method: 'GET', path: '/v1/jobs', headers: headers as Record<string, string> }).then(
        () => {
          throw new Error('random headers verified')
        },
        (error: unknown) => expectOwnError(error, /^REQUEST_/),
      )
    }))

  test('behavior: a valid signature with one header, the method or the path changed is refused with a REQUEST_* error', async () => {
    const signed = await signRequest(account, { ...domain, method: 'POST', path: '/v1/jobs', body: new TextEncoder().encode('{}') })
    await fuzz(
      'signed-request verifier: mutated signatures',
      fc.record({ name: fc.constantFrom(...names, 'method', 'path'), value: headerValue }),
      async ({ name, value }) => {
        const headers: Record<string, unknown> = { ...signed }
        let method = 'POST'
        let path = '/v1/jobs'
        if (name === 'method') method = typeof value === 'string' && value.toUpperCase() !== 'POST' ? value : 'PUT'
        else if (name === 'path') path = typeof value === 'string' && value !== '/v1/jobs' ? value : '/v1/job'
        else if (value === headers[name]) return
        else headers[name] = value
        await verifyRequestSignature({ ...domain, method, path, headers: headers as Record<string, string> }).then(
          () => {
            throw new Error(`verified with ${name} changed`)
          },
          (error: unknown) => expectOwnError(error, /^REQUEST_/),
        )
      },
    )
  })
})
