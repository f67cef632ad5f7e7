import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { bytesToHex, hexToBytes } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { generateKeyPair } from '@datavault/sdk'

/** The node's two keys: a wallet (signs receipts, provider fees; names the node) and an X25519 key (data keys are sealed to it). */
export type NodeIdentity = {
  /** A local key: it signs typed data, and digests (`sign({ hash })`) it hashed itself. */
  account: PrivateKeyAccount
  encryption: { publicKey: Uint8Array; privateKey: Uint8Array }
}

const keyFileSchema = z.object({
  version: z.literal(1),
  walletPrivateKey: z.string().regex(/^0x[0-9a-f]{64}$/),
  x25519PrivateKey: z.string().regex(/^0x[0-9a-f]{64}$/),
  x25519PublicKey: z.string().regex(/^0x[0-9a-f]{64}$/),
})

/**
 * Loads the node's keys from `path` (mode 0600), creating them on first start. The file is
 * written whole to a temporary name and renamed, so a crash never leaves half a key file.
 */
export async function loadNodeIdentity(path: string): Promise<NodeIdentity> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text === undefined) {
    const encryption = generateKeyPair()
    const created = {
      version: 1 as const,
      walletPrivateKey: bytesToHex(randomBytes(32)),
      x25519PrivateKey: bytesToHex(encryption.privateKey),
      x25519PublicKey: bytesToHex(encryption.publicKey),
    }
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    const temp = `${path}.${process.pid}.tmp`
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(created))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
    text = JSON.stringify(created)
  }
  const keys = keyFileSchema.parse(JSON.parse(text))
  return {
    account: privateKeyToAccount(keys.walletPrivateKey as `0x${string}`),
    encryption: {
      privateKey: hexToBytes(keys.x25519PrivateKey as `0x${string}`),
      publicKey: hexToBytes(keys.x25519PublicKey as `0x${string}`),
    },
  }
}
