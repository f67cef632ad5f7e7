import { describe, expect, test } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { signRequest, verifyRequestSignature } from './auth.ts'

const account = privateKeyToAccount(generatePrivateKey())
const node = privateKeyToAccount(generatePrivateKey()).address
const body = new TextEncoder().encode('{"a":1}')

describe('request signatures', () => {
  test('default: a signed request verifies and names the signer', async () => {
    const headers = await signRequest(account, { chainId: 8996, node, method: 'post', path: '/v1/jobs', body })
    const verified = await verifyRequestSignature({ chainId: 8996, node, method: 'POST', path: '/v1/jobs', headers })
    expect(verified.address).toBe(account.address)
    expect(verified.nonce).toMatch(/^0x[0-9a-f]{32}$/)
  })

  test('error: another path, method, node or chain does not verify', async () => {
    const headers = await signRequest(account, { chainId: 8996, node, method: 'POST', path: '/v1/jobs', body })
    const other = privateKeyToAccount(generatePrivateKey()).address
    for (const change of [{ path: '/v1/datasets' }, { method: 'PUT' }, { node: other }, { chainId: 1 }]) {
      await expect(
        verifyRequestSignature({ chainId: 8996, node, method: 'POST', path: '/v1/jobs', headers, ...change }),
      ).rejects.toMatchObject({ name: 'RequestAuthError', code: 'REQUEST_SIGNATURE_INVALID' })
    }
  })

  test('error: a claimed address that did not sign', async () => {
    const headers = await signRequest(account, { chainId: 8996, node, method: 'GET', path: '/v1/jobs' })
    headers['x-datavault-address'] = privateKeyToAccount(generatePrivateKey()).address
    await expect(verifyRequestSignature({ chainId: 8996, node, method: 'GET', path: '/v1/jobs', headers })).rejects.toMatchObject({
      code: 'REQUEST_SIGNATURE_INVALID',
    })
  })

  test('error: expired, too long-lived, unsigned and malformed requests', async () => {
    const now = Math.floor(Date.now() / 1000)
    const old = await signRequest(account, { chainId: 8996, node, method: 'GET', path: '/x', now: now - 1000 })
    await expect(verifyRequestSignature({ chainId: 8996, node, method: 'GET', path: '/x', headers: old })).rejects.toMatchObject({
      code: 'REQUEST_EXPIRED',
    })
    const future = await signRequest(account, { chainId: 8996, node, method: 'GET', path: '/x', now: now + 5000 })
    await expect(verifyRequestSignature({ chainId: 8996, node, method: 'GET', path: '/x', headers: future })).rejects.toMatchObject({
      code: 'REQUEST_EXPIRY_TOO_FAR',
    })
    await expect(verifyRequestSignature({ chainId: 8996, node, method: 'GET', path: '/x', headers: {} })).rejects.toMatchObject({
      code: 'REQUEST_UNSIGNED',
    })
    const bad = { ...(await signRequest(account, { chainId: 8996, node, method: 'GET', path: '/x' })), 'x-datavault-signature': '0x1234' }
    await expect(verifyRequestSignature({ chainId: 8996, node, method: 'GET', path: '/x', headers: bad })).rejects.toMatchObject({
      code: 'REQUEST_SIGNATURE_MALFORMED',
    })
  })
})
