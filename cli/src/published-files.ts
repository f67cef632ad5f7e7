// Which files this wallet already published, as keyed fingerprints: HMAC-SHA256 of the file's
// SHA-256 under a key only the wallet can make (a hash of its signature of a fixed message;
// Ethereum signatures are deterministic). A plain hash of the file would let anyone who reads it
// test guesses of the file's contents; this fingerprint tests nothing without the wallet. It is
// kept on the owner's machine and, so that the wallet's other machines know too, with the dataset
// on its node (signed by the owner, never in a dataset's view or listing, answered to the owner
// only). The key, and the signature it comes from, are never sent.
import { createHmac } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type LocalAccount, keccak256 } from 'viem'
import { z } from 'zod'
import { type VaultClient, findDatasetsByFingerprint, getDataset, isDataVaultError } from '@datavault/sdk'
import { writeFileAtomic } from './files.ts'

/** The message the wallet signs to make the fingerprint key (never sent). */
const keyMessage = 'datavault: the key of the fingerprints of files this wallet published (v1). Signing sends nothing.'

const recordSchema = z.record(z.string(), z.record(z.string(), z.array(z.object({ dataset: z.string(), name: z.string(), at: z.string() }))))

/** One earlier publication of the same file. */
export type PublishedFile = { dataset: string; name: string; at: string }

/** The file that holds the fingerprints, in the CLI's config dir. */
export const publishedFilesPath = (configDir: string) => join(configDir, 'published-files.json')

/**
 * The keyed fingerprint of a file for this wallet: HMAC-SHA256(keccak256(signature of a fixed
 * message), the file's SHA-256).
 *
 * @example
 * const fingerprint = await fileFingerprint(account, sha256)
 */
export async function fileFingerprint(account: Pick<LocalAccount, 'signMessage'>, sha256: Uint8Array): Promise<string> {
  const key = keccak256(await account.signMessage({ message: keyMessage }), 'bytes')
  try {
    return createHmac('sha256', key).update(sha256).digest('hex')
  } finally {
    key.fill(0)
  }
}

async function readRecord(configDir: string): Promise<z.output<typeof recordSchema>> {
  let text: string
  try {
    text = await readFile(publishedFilesPath(configDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  const parsed = recordSchema.safeParse(JSON.parse(text))
  // A damaged record must not block publishing; it is rewritten whole on the next publication.
  return parsed.success ? parsed.data : {}
}

/**
 * Earlier publications of the file with this fingerprint by `address`, as recorded on this machine.
 *
 * @example
 * const earlier = await publishedBefore(configDir, address, fingerprint)
 */
export async function publishedBefore(configDir: string, address: string, fingerprint: string): Promise<PublishedFile[]> {
  return (await readRecord(configDir))[address.toLowerCase()]?.[fingerprint] ?? []
}

/**
 * Records that `address` published the file with this fingerprint as `dataset`.
 *
 * @example
 * await recordPublished(configDir, address, fingerprint, { dataset, name, at: new Date().toISOString() })
 */
export async function recordPublished(configDir: string, address: string, fingerprint: string, entry: PublishedFile): Promise<void> {
  const record = await readRecord(configDir)
  const mine = (record[address.toLowerCase()] ??= {})
  ;(mine[fingerprint] ??= []).push(entry)
  await mkdir(configDir, { recursive: true, mode: 0o700 })
  await writeFileAtomic(publishedFilesPath(configDir), `${JSON.stringify(record, null, 2)}\n`)
}

const notFound = (error: unknown) => isDataVaultError(error) && (error as { status?: number }).status === 404

/**
 * Earlier publications of the file with this fingerprint by the client's wallet that are still
 * live on the client's node (not revoked), oldest first: those the node knows (recorded by
 * `publish` on any of the wallet's machines), then those only this machine's record names. A node
 * without the fingerprint routes counts as knowing none.
 *
 * @example
 * const [earlier] = await livePublications(client.vault, { configDir, fingerprint })
 * if (earlier) console.log(`already published as ${earlier.dataset}`)
 */
export async function livePublications(vault: VaultClient, { configDir, fingerprint }: { configDir: string; fingerprint: string }): Promise<PublishedFile[]> {
  const address = vault.account!.address
  const onNode = await findDatasetsByFingerprint(vault, { fingerprint }).catch((error: unknown) => {
    if (notFound(error)) return []
    throw error
  })
  const live: PublishedFile[] = onNode.filter((dataset) => dataset.revokedAt === undefined).map((dataset) => ({ dataset: dataset.id, name: dataset.name, at: dataset.createdAt }))
  const known = new Set(onNode.map((dataset) => dataset.id.toLowerCase()))
  for (const earlier of await publishedBefore(configDir, address, fingerprint)) {
    if (known.has(earlier.dataset.toLowerCase())) continue
    const listed = await getDataset(vault, { id: earlier.dataset as `0x${string}` }).catch((error: unknown) => {
      if (notFound(error)) return undefined
      throw error
    })
    if (listed !== undefined && listed.revokedAt === undefined) live.push(earlier)
  }
  return live
}
