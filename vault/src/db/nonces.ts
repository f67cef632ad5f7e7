import type { Database } from './database.ts'

/** Remembers used request nonces until they expire, so a signed request works once. */
export type NonceStore = {
  /** Records a nonce; `false` when it was used before (a replay). */
  use(params: { address: string; nonce: string; expiry: number }): boolean
}

/** Nonces in the node's SQLite database; expired ones are purged as new ones come in. */
export function nonceStore({ db, now = () => Math.floor(Date.now() / 1000) }: { db: Database; now?: () => number }): NonceStore {
  const insert = db.prepare('INSERT INTO request_nonces (address, nonce, expiry) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
  const purge = db.prepare('DELETE FROM request_nonces WHERE expiry < ?')
  let lastPurge = 0
  return {
    use({ address, nonce, expiry }) {
      const at = now()
      if (at - lastPurge > 60) {
        purge.run(at - 60)
        lastPurge = at
      }
      return insert.run(address.toLowerCase(), nonce.toLowerCase(), expiry).changes === 1
    },
  }
}
