import { describe, expect, test } from 'vitest'
import { createEventLineReader, createTail } from './event-lines.ts'
import type { TrainerEvent } from './protocol.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('createEventLineReader', () => {
  test('default: parses events split across chunks', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e))
    reader.push(bytes('{"event":"sta'))
    reader.push(bytes('rted"}\n{"event":"epoch","epoch":1,"loss":0.5}\n{"event":"do'))
    reader.push(bytes('ne"}'))
    reader.end()
    expect(events).toEqual([{ event: 'started' }, { event: 'epoch', epoch: 1, loss: 0.5 }, { event: 'done' }])
    expect(reader.violations).toBe(0)
  })

  test('behavior: invalid lines are dropped and counted, never delivered', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e))
    for (const line of ['not json', '{"event":"epoch","epoch":1,"loss":1,"data":"secret"}', '{"event":"error","code":"Has Spaces"}', '{"event":"other"}', '[]', '{"event":"epoch","epoch":0,"loss":1}'])
      reader.push(bytes(`${line}\n`))
    reader.push(bytes('\n'))
    reader.end()
    expect(events).toEqual([])
    expect(reader.violations).toBe(6)
  })

  test('args: maxLineBytes drops over-long lines whole, even across chunks', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e), { maxLineBytes: 32 })
    reader.push(bytes(`{"event":"started"}\n${'x'.repeat(20)}`))
    reader.push(bytes(`${'y'.repeat(20)}{"event":"done"}\n{"event":"done"}\n`))
    reader.end()
    expect(events).toEqual([{ event: 'started' }, { event: 'done' }])
    expect(reader.violations).toBe(1)
  })

  test('args: maxEvents bounds what is delivered', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e), { maxEvents: 2 })
    for (let i = 1; i <= 5; i++) reader.push(bytes(`{"event":"epoch","epoch":${i},"loss":1}\n`))
    reader.end()
    expect(events).toHaveLength(2)
    expect(reader.violations).toBe(3)
  })
})

describe('createTail', () => {
  test('default: keeps only the last bytes', () => {
    const tail = createTail(10)
    tail.push(bytes('hello '))
    tail.push(bytes('world, '))
    tail.push(bytes('again'))
    expect(tail.text()).toBe('rld, again')
  })
})
