import { describe, expect, test } from 'vitest'
import { openDatabase } from './database.ts'
import { datasetFingerprintStore } from './dataset-fingerprints.ts'
import { datasetStore } from './datasets.ts'

const alice = '0x00000000000000000000000000000000000000a1'
const bob = '0x00000000000000000000000000000000000000b2'
const fingerprint = 'ab'.repeat(32)
const other = 'cd'.repeat(32)

function setup() {
  const db = openDatabase(':memory:')
  const datasets = datasetStore({ db })
  let next = 0
  const register = (owner: string) =>
    datasets.register({
      datatoken: `0x${(++next).toString(16).padStart(40, '0')}`,
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      owner: owner as `0x${string}`,
      name: `dataset ${next}`,
      description: '',
      schema: { format: 'csv', columns: [{ name: 'bpm', type: 'number' }] },
      policy: { trainers: ['logistic-regression'], maxEpochs: 10, maxWallTimeSeconds: 60, maxMemoryMb: 256, rawDownload: false, maxOutputBytes: 1 << 20, onViolation: 'retry' },
      size: 1,
    })
  return { db, datasets, fingerprints: datasetFingerprintStore({ db }), register }
}

describe('datasetFingerprintStore', () => {
  test("default: an owner finds its own datasets by fingerprint, oldest first, revoked ones included; another owner's stay hidden", () => {
    const { datasets, fingerprints, register } = setup()
    const [first, second, bobs, unrelated] = [register(alice), register(alice), register(bob), register(alice)]
    fingerprints.set(first.id, fingerprint)
    fingerprints.set(second.id, fingerprint.toUpperCase())
    fingerprints.set(bobs.id, fingerprint)
    fingerprints.set(unrelated.id, other)
    datasets.revoke(first.id)
    expect(fingerprints.datasetsOf(alice.toUpperCase().replace('0X', '0x'), fingerprint)).toEqual([first.id, second.id])
    expect(fingerprints.datasetsOf(bob, fingerprint)).toEqual([bobs.id])
    expect(fingerprints.datasetsOf(bob, other)).toEqual([])
  })

  test('behavior: a fingerprint replaces the earlier one and never reaches a dataset view or the listing', () => {
    const { datasets, fingerprints, register } = setup()
    const dataset = register(alice)
    fingerprints.set(dataset.id, other)
    fingerprints.set(dataset.id, fingerprint)
    expect(fingerprints.datasetsOf(alice, other)).toEqual([])
    expect(fingerprints.datasetsOf(alice, fingerprint)).toEqual([dataset.id])
    expect(JSON.stringify([datasets.get(dataset.id), datasets.list()])).not.toContain(fingerprint)
  })

  test('error: a fingerprint for a dataset the node does not have is refused by the database', () => {
    const { fingerprints } = setup()
    expect(() => fingerprints.set(`0x${'ee'.repeat(20)}`, fingerprint)).toThrow(/FOREIGN KEY/)
  })
})
