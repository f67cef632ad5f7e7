// The extension's icons, drawn by code at build time (no binary file in the repository): a white
// padlock on the app's blue, in a rounded square, anti-aliased, written as RGBA PNGs.
import { crc32, deflateSync } from 'node:zlib'

/** The sizes Chromium asks for: toolbar (16, 32), the extensions page (48) and the store (128). */
export const iconSizes = [16, 32, 48, 128] as const

type Rgb = readonly [number, number, number]
const blue: Rgb = [0x0b, 0x4f, 0xb3]
const white: Rgb = [0xff, 0xff, 0xff]

/** Inside a rounded rectangle (unit coordinates). */
function inRoundedRect(x: number, y: number, left: number, top: number, right: number, bottom: number, radius: number): boolean {
  if (x < left || x > right || y < top || y > bottom) return false
  const cx = Math.min(Math.max(x, left + radius), right - radius)
  const cy = Math.min(Math.max(y, top + radius), bottom - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

/** The colour at a point of the unit square, or undefined outside the icon. */
function paint(x: number, y: number): Rgb | undefined {
  if (!inRoundedRect(x, y, 0, 0, 1, 1, 0.22)) return undefined
  const keyhole = (x - 0.5) ** 2 + (y - 0.6) ** 2 <= 0.05 ** 2 || (Math.abs(x - 0.5) <= 0.022 && y >= 0.6 && y <= 0.71)
  if (inRoundedRect(x, y, 0.25, 0.47, 0.75, 0.8, 0.06)) return keyhole ? blue : white
  const ring = Math.hypot(x - 0.5, y - 0.43)
  if (y <= 0.5 && ring >= 0.12 && ring <= 0.19) return white
  return blue
}

/**
 * The icon as a PNG of `size` × `size` pixels (4 × 4 samples a pixel).
 *
 * @example
 * await writeFile('icon-128.png', iconPng(128))
 */
export function iconPng(size: number): Uint8Array {
  const samples = 4
  const stride = size * 4 + 1
  const raw = new Uint8Array(stride * size)
  for (let py = 0; py < size; py++) {
    raw[py * stride] = 0 // filter: none
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0]
      for (let sy = 0; sy < samples; sy++)
        for (let sx = 0; sx < samples; sx++) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)
          if (!colour) continue
          r += colour[0]
          g += colour[1]
          b += colour[2]
          a += 1
        }
      const at = py * stride + 1 + px * 4
      raw[at] = a ? Math.round(r / a) : 0
      raw[at + 1] = a ? Math.round(g / a) : 0
      raw[at + 2] = a ? Math.round(b / a) : 0
      raw[at + 3] = Math.round((a / samples ** 2) * 255)
    }
  }
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, size)
  view.setUint32(4, size)
  header.set([8, 6, 0, 0, 0], 8) // 8 bits, RGBA, deflate, no filter method, no interlace
  return concat([Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))])
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(new TextEncoder().encode(type), 4)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
