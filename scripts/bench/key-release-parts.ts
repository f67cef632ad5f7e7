// The CPU of a key release's parts, each against the way it was done before (the reference),
// interleaved in one process so that a loaded machine weighs on both alike: signing a job ticket
// (viem's signTypedData vs typedDataHasher + sign), a holder's signer check (recover over viem's
// hashTypedData vs typedDataHasher + recoverDigest), one POST to a holder with its answer (fetch vs
// holderClient; the local server's share is in both), and the node's four sealed-box opens a 3 of 5
// release makes (nodeOpenSealed each vs openers). `node scripts/bench/key-release-parts.ts`; the
// whole release is `key-release.ts`.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { type Hex, bytesToHex, zeroAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { generateKeyPair, jobTicketTypes, keyEscrowDomain, knownSignerRecovery, typedDataHasher } from '@datavault/sdk'
import { nodeOpenSealed, nodeSealToPublicKey, nodeSealedBoxOpener } from '@datavault/sdk/node'
import { holderClient } from '../../vault/src/keys/holder-client.ts'

const node = privateKeyToAccount(generatePrivateKey())
const domain = keyEscrowDomain({ chainId: 8996, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })
const ticket = () => ({ holder: bytesToHex(randomBytes(20)), dataset: bytesToHex(randomBytes(20)), pool: zeroAddress, jobId: 'job-1', orderTx: bytesToHex(randomBytes(32)), buyer: bytesToHex(randomBytes(20)), trainerId: 'logistic-regression', trainerHash: bytesToHex(randomBytes(32)), termsHash: bytesToHex(randomBytes(32)), jobKey: bytesToHex(randomBytes(32)), expiry: 1_800_000_000n, nonce: bytesToHex(randomBytes(16)) }) as const
const hash = typedDataHasher({ domain, types: jobTicketTypes, primaryType: 'JobTicket' })
const typed = (message: ReturnType<typeof ticket>) => ({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message }) as const
const cpuOf = async (n: number, f: () => unknown) => { const c = process.cpuUsage(); for (let i = 0; i < n; i++) await f(); const u = process.cpuUsage(c); return (u.user + u.system) / n / 1000 }
const results: Record<string, number[]> = {}
const note = (k: string, v: number) => (results[k] ??= []).push(v)

const tickets = Array.from({ length: 50 }, ticket)
const signed = await Promise.all(tickets.map(async (t) => ({ t, signature: await node.signTypedData(typed(t)) })))
const oldSigners = knownSignerRecovery(), newSigners = knownSignerRecovery()
oldSigners.recover({ ...typed(tickets[0]!), signature: signed[0]!.signature }, { remember: () => true })
newSigners.recover({ ...typed(tickets[0]!), signature: signed[0]!.signature }, { remember: () => true })
const server = createServer((req, res) => { const c: Buffer[] = []; req.on('data', (d) => c.push(d)); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ index: 0, sealedShare: `0x${'ab'.repeat(93)}` }))) })
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/holder/releases`
const client = holderClient()
const body = { ticket: { ...tickets[0], expiry: '1800000000' }, signature: signed[0]!.signature }
const own = generateKeyPair(), job = generateKeyPair()
const jobBox = nodeSealToPublicKey(own.publicKey, job.privateKey, { context: 'job' })
const shareBoxes = [0, 1, 2].map((i) => nodeSealToPublicKey(job.publicKey, randomBytes(33), { context: `s${i}` }))
const ownOpener = nodeSealedBoxOpener(own.privateKey)
for (let round = 0; round < 5; round++) {
  let i = 0
  note('sign: viem signTypedData', await cpuOf(50, () => node.signTypedData(typed(tickets[i++ % 50]!))))
  note('sign: hasher + account.sign', await cpuOf(50, () => node.sign({ hash: hash(tickets[i++ % 50]!) })))
  note('verify: recover (hashTypedData)', await cpuOf(50, () => { const s = signed[i++ % 50]!; return oldSigners.recover({ ...typed(s.t), signature: s.signature }, { remember: () => true }) }))
  note('verify: hasher + recoverDigest', await cpuOf(50, () => { const s = signed[i++ % 50]!; return newSigners.recoverDigest({ digest: hash(s.t), signature: s.signature }, { remember: () => true }) }))
  note('POST: fetch (client+server)', await cpuOf(100, async () => { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.any([new AbortController().signal, AbortSignal.timeout(10_000)]) }); await r.json() }))
  note('POST: holderClient (client+server)', await cpuOf(100, () => client.postJson(url, body, { signal: AbortSignal.any([new AbortController().signal, AbortSignal.timeout(10_000)]) })))
  note('node opens: 4× nodeOpenSealed', await cpuOf(50, () => { const k = nodeOpenSealed(own.privateKey, jobBox, { context: 'job' }); for (let j = 0; j < 3; j++) nodeOpenSealed(k, shareBoxes[j]!, { context: `s${j}` }) }))
  note('node opens: openers', await cpuOf(50, () => { const k = ownOpener.open(jobBox, { context: 'job' }); const o = nodeSealedBoxOpener(k); for (let j = 0; j < 3; j++) o.open(shareBoxes[j]!, { context: `s${j}` }) }))
}
server.closeAllConnections(); server.close()
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!
console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(', ')}; CPU per operation, median of 5 rounds (min–max)`)
const entries = Object.entries(results)
for (let k = 0; k < entries.length; k += 2) {
  const [[oldName, oldCpu], [newName, newCpu]] = [entries[k]!, entries[k + 1]!]
  const line = (name: string, v: number[]) => `${name.padEnd(36)} ${med(v).toFixed(3)} ms (${Math.min(...v).toFixed(3)}–${Math.max(...v).toFixed(3)})`
  console.log(`${line(oldName, oldCpu)}\n${line(newName, newCpu)}  ratio ${(med(newCpu) / med(oldCpu)).toFixed(2)}×`)
}
