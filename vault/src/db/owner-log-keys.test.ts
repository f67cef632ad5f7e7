import { bytesToHex } from 'viem'
import { describe, expect, test } from 'vitest'
import { generateKeyPair, openOwnerLog } from '@datavault/sdk'
import { openDatabase } from './database.ts'
import { discardedOwnerLog, ownerLogKeyStore, ownerLogSealer, sealedOwnerLogPrefix } from './owner-log-keys.ts'

const owner = '0x00000000000000000000000000000000000000aa'
const dataset = '0x00000000000000000000000000000000000000d1'
const tail = 'row 3: age=61 chol=290\n'

function setup() {
  const keys = ownerLogKeyStore({ db: openDatabase(':memory:') })
  const sealer = ownerLogSealer({ keys, ownerOf: (id) => (id === dataset ? owner : undefined) })
  return { keys, sealer }
}

describe('ownerLogSealer', () => {
  test('default: a log is sealed to the owner\'s registered key and opens with its private key only', () => {
    const { keys, sealer } = setup()
    const key = generateKeyPair()
    keys.set(owner.toUpperCase().replace('0X', '0x'), bytesToHex(key.publicKey))
    const kept = sealer.seal({ id: 'job-1', datasetId: dataset }, tail)
    expect(kept.startsWith(sealedOwnerLogPrefix)).toBe(true)
    expect(kept).not.toContain('age=61')
    const sealed = new Uint8Array(Buffer.from(kept.slice(sealedOwnerLogPrefix.length), 'base64'))
    expect(openOwnerLog(key.privateKey, sealed, { jobId: 'job-1' })).toBe(tail)
  })

  test('behavior: no registered key (or a pool job with no one owner) keeps no log, never the plaintext', () => {
    const { sealer } = setup()
    expect(sealer.seal({ id: 'job-1', datasetId: dataset }, tail)).toBe(discardedOwnerLog)
    expect(sealer.seal({ id: 'job-2', datasetId: '0x00000000000000000000000000000000000000ff' }, tail)).toBe(discardedOwnerLog)
  })

  test('behavior: a later registration replaces the key', () => {
    const { keys } = setup()
    const first = bytesToHex(generateKeyPair().publicKey)
    const second = bytesToHex(generateKeyPair().publicKey)
    keys.set(owner, first)
    keys.set(owner, second)
    expect(keys.get(owner)).toBe(second)
  })
})
