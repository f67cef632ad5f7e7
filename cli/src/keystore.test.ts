import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { decryptKeystore, encryptKeystore, keystoreV3Schema, lightScrypt } from './keystore.ts'

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

describe('Web3 Secret Storage v3 keystore', () => {
  test('default: decrypts the spec\'s scrypt test vector', async () => {
    expect(await decryptKeystore(scryptVector, 'testpassword')).toBe(vectorKey)
    expect(privateKeyToAccount(vectorKey).address.toLowerCase()).toBe('0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b')
  })

  test('behavior: decrypts the spec\'s PBKDF2 test vector', async () => {
    expect(await decryptKeystore(pbkdf2Vector, 'testpassword')).toBe(vectorKey)
  })

  test('behavior: encrypts to a v3 document that decrypts back, with a fresh salt, IV and id each time', async () => {
    const first = await encryptKeystore(vectorKey, 'correct horse', { scrypt: lightScrypt })
    const second = await encryptKeystore(vectorKey, 'correct horse', { scrypt: lightScrypt })
    expect(keystoreV3Schema.safeParse(first).success).toBe(true)
    expect(first).toMatchObject({
      version: 3,
      address: '008aeeda4d805471df9b2a5b0f38a0c3bcba786b',
      crypto: { cipher: 'aes-128-ctr', kdf: 'scrypt', kdfparams: { dklen: 32, n: 4096, r: 8, p: 6 } },
    })
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(first.id).not.toBe(second.id)
    expect(first.crypto?.ciphertext).not.toBe(second.crypto?.ciphertext)
    expect(JSON.stringify(first)).not.toContain(vectorKey.slice(2))
    expect(await decryptKeystore(JSON.parse(JSON.stringify(first)), 'correct horse')).toBe(vectorKey)
  })

  test('behavior: reads `Crypto` (capitalized, as some wallets write it) and 0x-prefixed hex', async () => {
    const { crypto, ...rest } = pbkdf2Vector
    const capitalized = { ...rest, Crypto: { ...crypto, ciphertext: `0x${crypto.ciphertext}` } }
    expect(await decryptKeystore(capitalized, 'testpassword')).toBe(vectorKey)
  })

  test('error: a wrong password is KEYSTORE_WRONG_PASSWORD', async () => {
    await expect(decryptKeystore(pbkdf2Vector, 'testpassworD')).rejects.toMatchObject({ name: 'CliWalletError', code: 'KEYSTORE_WRONG_PASSWORD' })
  })

  test('error: a changed ciphertext fails the MAC', async () => {
    const file = await encryptKeystore(vectorKey, 'pw', { scrypt: lightScrypt })
    const ciphertext = file.crypto!.ciphertext
    const tampered = { ...file, crypto: { ...file.crypto!, ciphertext: `${ciphertext.slice(0, -1)}${ciphertext.endsWith('0') ? '1' : '0'}` } }
    await expect(decryptKeystore(tampered, 'pw')).rejects.toMatchObject({ code: 'KEYSTORE_WRONG_PASSWORD' })
  })

  test('error: a key that is not the address the file names is KEYSTORE_ADDRESS_MISMATCH', async () => {
    const file = await encryptKeystore(vectorKey, 'pw', { scrypt: lightScrypt })
    await expect(decryptKeystore({ ...file, address: '00'.repeat(20) }, 'pw')).rejects.toMatchObject({ code: 'KEYSTORE_ADDRESS_MISMATCH' })
  })

  test('error: malformed or hostile files are KEYSTORE_INVALID, before any key derivation', async () => {
    const hostile = { ...scryptVector, crypto: { ...scryptVector.crypto, kdfparams: { ...scryptVector.crypto.kdfparams, n: 2 ** 30 } } }
    const started = performance.now()
    await expect(decryptKeystore(hostile, 'testpassword')).rejects.toMatchObject({ code: 'KEYSTORE_INVALID' })
    expect(performance.now() - started).toBeLessThan(500)
    await expect(decryptKeystore({ ...scryptVector, version: 1 }, 'testpassword')).rejects.toMatchObject({ code: 'KEYSTORE_INVALID' })
    await expect(decryptKeystore({ ...scryptVector, crypto: { ...scryptVector.crypto, cipher: 'aes-128-cbc' } }, 'testpassword')).rejects.toMatchObject({
      code: 'KEYSTORE_INVALID',
    })
    await expect(decryptKeystore('not json', 'x')).rejects.toMatchObject({ code: 'KEYSTORE_INVALID' })
  })
})
