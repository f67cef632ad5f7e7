import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { decryptKeystore, defaultScryptCost, encryptKeystore, keystoreAddress } from './keystore.ts'

// The test vectors of the Web3 Secret Storage Definition
// (https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/#test-vectors):
// password "testpassword", private key 7a28b5ba…14fe9d.
const vectorKey = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d'
const scryptVector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
const pbkdf2Vector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
}
const light = { n: 1024, r: 8, p: 1 }

describe('keystore (Web3 Secret Storage v3)', () => {
  test('default: a written keystore opens with its password and names its address; new ones use scrypt N=2^17, r=8, p=1', async () => {
    const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
    const keystore = await encryptKeystore(key, 'a long passphrase', { scrypt: light })
    expect(keystoreAddress(keystore)).toBe(privateKeyToAccount(key).address.toLowerCase())
    expect(keystore.crypto).toMatchObject({ cipher: 'aes-128-ctr', kdf: 'scrypt', kdfparams: { dklen: 32, n: 1024, r: 8, p: 1 } })
    expect(JSON.stringify(keystore)).not.toContain(key.slice(2))
    expect(await decryptKeystore(JSON.parse(JSON.stringify(keystore)), 'a long passphrase')).toBe(key)
    expect(defaultScryptCost).toEqual({ n: 131_072, r: 8, p: 1 })
  })

  test("behavior: opens the spec's scrypt and PBKDF2 test vectors (files from geth, MetaMask and the datavault CLI import)", async () => {
    expect(await decryptKeystore(scryptVector, 'testpassword')).toBe(vectorKey)
    expect(await decryptKeystore(pbkdf2Vector, 'testpassword')).toBe(vectorKey)
    expect(await decryptKeystore({ ...pbkdf2Vector, crypto: undefined, Crypto: pbkdf2Vector.crypto }, 'testpassword')).toBe(vectorKey)
  })

  test('behavior: the password is NFKD-normalized, so the same passphrase typed either way opens it', async () => {
    const keystore = await encryptKeystore(vectorKey, 'caf\u00e9 au lait!', { scrypt: light })
    expect(await decryptKeystore(keystore, 'cafe\u0301 au lait!')).toBe(vectorKey)
  })

  test('error: a wrong password is WALLET_WRONG_PASSWORD', async () => {
    await expect(decryptKeystore(pbkdf2Vector, 'testpassword!')).rejects.toMatchObject({ name: 'WalletError', code: 'WALLET_WRONG_PASSWORD' })
  })

  test('error: a file that is not a v3 keystore, or would make scrypt take 1 GiB, is KEYSTORE_INVALID before any key derivation', async () => {
    await expect(decryptKeystore({ hello: 'world' }, 'x')).rejects.toMatchObject({ name: 'WalletError', code: 'KEYSTORE_INVALID' })
    await expect(decryptKeystore({ ...scryptVector, version: 1 }, 'x')).rejects.toMatchObject({ code: 'KEYSTORE_INVALID' })
    const hostile = { ...scryptVector, crypto: { ...scryptVector.crypto, kdfparams: { ...scryptVector.crypto.kdfparams, n: 2 ** 20, r: 8, p: 1 } } }
    const started = performance.now()
    await expect(decryptKeystore(hostile, 'testpassword')).rejects.toMatchObject({ code: 'KEYSTORE_INVALID', details: expect.stringContaining('512 MiB') })
    expect(performance.now() - started).toBeLessThan(200)
  })

  test('error: a keystore whose key is not the address it names is KEYSTORE_ADDRESS_MISMATCH', async () => {
    const keystore = await encryptKeystore(vectorKey, 'a long passphrase', { scrypt: light })
    await expect(decryptKeystore({ ...keystore, address: '11'.repeat(20) }, 'a long passphrase')).rejects.toMatchObject({ code: 'KEYSTORE_ADDRESS_MISMATCH' })
  })

  test('error: encrypting something that is not 32 bytes of hex is WALLET_KEY_INVALID', async () => {
    await expect(encryptKeystore('0x1234', 'a long passphrase', { scrypt: light })).rejects.toMatchObject({ code: 'WALLET_KEY_INVALID' })
  })
})
