// The capture store under Node (over a memory storage area: chrome.storage.session cannot run
// here). `capturePage` itself needs a page: the end-to-end test runs it in Chromium.
import { describe, expect, test } from 'vitest'
import { memoryStorageArea } from '../storage.ts'
import { captureStore, maxCaptureChars } from './capture.ts'

const table = { caption: 'Steps', csv: 'day,steps\nMon,8012\n', rows: 1, columns: 2 }

describe('captureStore', () => {
  test('default: keeps what the page returned with the page origin only, and hands it over once', async () => {
    const captures = captureStore({ session: memoryStorageArea(), now: () => new Date('2026-01-02T03:04:05Z') })
    await captures.put({ title: 'My steps', tables: [table], text: '' }, { url: 'https://health.example.org/me/steps?session=abc' })
    expect(await captures.take()).toEqual({ title: 'My steps', origin: 'https://health.example.org', capturedAt: '2026-01-02T03:04:05.000Z', tables: [table] })
    expect(await captures.take()).toBeNull()
  })

  test('args: selected text outside any table is kept as text', async () => {
    const captures = captureStore({ session: memoryStorageArea() })
    await captures.put({ title: 'Notes', tables: [], text: 'slept 7h\nran 5km' }, { url: undefined })
    expect(await captures.take()).toMatchObject({ origin: '', tables: [], text: 'slept 7h\nran 5km' })
  })

  test('behavior: a failure is kept for the Add screen to say', async () => {
    const captures = captureStore({ session: memoryStorageArea() })
    await captures.fail({ code: 'CAPTURE_NOT_ALLOWED', message: 'The extension may not read this page.' }, { url: 'chrome://settings' })
    expect(await captures.take()).toMatchObject({ tables: [], failure: { code: 'CAPTURE_NOT_ALLOWED' } })
  })

  test('error: nothing on the page, too much, or not what the page script returns', async () => {
    const captures = captureStore({ session: memoryStorageArea() })
    await expect(captures.put({ title: 'Empty', tables: [], text: '  ' }, { url: undefined })).rejects.toMatchObject({ name: 'CaptureError', code: 'CAPTURE_EMPTY' })
    await expect(captures.put({ title: 'Huge', tables: [{ ...table, csv: 'x'.repeat(maxCaptureChars + 1) }], text: '' }, { url: undefined })).rejects.toMatchObject({ code: 'CAPTURE_EMPTY', shortMessage: expect.stringContaining('save it as a file') })
    await expect(captures.put(undefined, { url: undefined })).rejects.toMatchObject({ code: 'CAPTURE_NOT_ALLOWED' })
    expect(await captures.take()).toBeNull()
  })
})
