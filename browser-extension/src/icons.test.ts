// The icons the build draws: valid PNGs (signature, checksums, size), a padlock on blue.
import { crc32, inflateSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { iconPng, iconSizes } from './icons.ts'

/** The chunks of a PNG, each with its CRC checked. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const found: { type: string; data: Uint8Array }[] = []
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at)
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8))
    expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
    found.push({ type, data: png.subarray(at + 8, at + 8 + length) })
    at += 12 + length
  }
  return found
}

/** RGBA of one pixel. */
function pixel(png: Uint8Array, size: number, x: number, y: number): number[] {
  const raw = inflateSync(Buffer.concat(chunks(png).filter((entry) => entry.type === 'IDAT').map((entry) => entry.data)))
  const at = y * (size * 4 + 1) + 1 + x * 4
  return [...raw.subarray(at, at + 4)]
}

describe('iconPng', () => {
  test('default: a PNG of each size, RGBA, with valid chunks', () => {
    for (const size of iconSizes) {
      const png = iconPng(size)
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
      const [header, ...rest] = chunks(png)
      expect(header!.type).toBe('IHDR')
      const view = new DataView(header!.data.buffer, header!.data.byteOffset)
      expect([view.getUint32(0), view.getUint32(4), header!.data[8], header!.data[9]]).toEqual([size, size, 8, 6])
      expect(rest.map((entry) => entry.type)).toEqual(['IDAT', 'IEND'])
    }
  })

  test('behavior: a white padlock body on blue, transparent beyond the rounded corners', () => {
    const size = 128
    const png = iconPng(size)
    expect(pixel(png, size, 0, 0)[3]).toBe(0)
    expect(pixel(png, size, 40, 90)).toEqual([255, 255, 255, 255])
    expect(pixel(png, size, 64, 20)).toEqual([0x0b, 0x4f, 0xb3, 255])
  })
})
