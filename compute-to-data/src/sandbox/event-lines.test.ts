import { describe, expect, test } from 'vitest'
import type { TrainerParametersReason } from '@datavault/sdk'
import type { TrainerDataReason } from '../trainers/common/errors.ts'
import { createEventLineReader, createTail } from './event-lines.ts'
import { type TrainerEvent, trainerErrorCodes } from './protocol.ts'

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

  test('behavior: epochs count up by one; loss and accuracy arrive quantized (progress is a channel to the buyer)', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e))
    const lines = [
      '{"event":"epoch","epoch":1,"loss":0.6931471805599453,"accuracy":0.51234}',
      '{"event":"epoch","epoch":7,"loss":1}', // skips: the epoch number could carry data
      '{"event":"epoch","epoch":1,"loss":1}', // repeats
      '{"event":"epoch","epoch":2,"loss":123456789.123}',
      '{"event":"epoch","epoch":3,"loss":0.0000123}',
      '{"event":"epoch","epoch":4,"loss":-0.00001}',
      '{"event":"epoch","epoch":5,"loss":1e999}', // Infinity
      '{"event":"epoch","epoch":5,"loss":281474976710655}', // 6 bytes of data as an integer
    ]
    for (const line of lines) reader.push(bytes(`${line}\n`))
    reader.end()
    expect(events).toEqual([
      { event: 'epoch', epoch: 1, loss: 0.693, accuracy: 0.512 },
      { event: 'epoch', epoch: 2, loss: 1e6 },
      { event: 'epoch', epoch: 3, loss: 0 },
      { event: 'epoch', epoch: 4, loss: 0 },
      { event: 'epoch', epoch: 5, loss: 1e6 },
    ])
    expect(reader.violations).toBe(3)
  })

  test('default: every reason a trainer reports is a listed error code', () => {
    // Adding a reason to the trainers or the SDK without listing it here fails this test (and the
    // trainer's failures would show only their exit code).
    const reasons: Record<TrainerDataReason | TrainerParametersReason | 'internal-error', true> = {
      'internal-error': true,
      'bad-config': true,
      'bad-encoding': true,
      'bad-csv': true,
      'duplicate-header': true,
      'missing-column': true,
      'ragged-row': true,
      'non-numeric-cell': true,
      'unknown-label-value': true,
      'unknown-category-value': true,
      'no-rows': true,
      'rows-mismatch': true,
      'output-failed': true,
      'bad-parameters': true,
      'bad-label': true,
      'bad-feature': true,
      'duplicate-feature': true,
      'no-numeric-features': true,
      'model-too-large': true,
      'dp-missing-rows': true,
      'dp-missing-bounds': true,
      'dp-batch-too-large': true,
      'dp-delta-too-large': true,
    }
    expect(Object.keys(reasons).filter((reason) => !trainerErrorCodes.has(reason))).toEqual([])
  })

  test('behavior: an error event carries only a listed reason code', () => {
    const events: TrainerEvent[] = []
    const reader = createEventLineReader((e) => events.push(e))
    for (const code of ['unknown-label-value', '3132333435363738', 'ada-lovelace-1815', 'internal-error']) reader.push(bytes(`{"event":"error","code":"${code}"}\n`))
    reader.end()
    expect(events).toEqual([
      { event: 'error', code: 'unknown-label-value' },
      { event: 'error', code: 'internal-error' },
    ])
    expect(reader.violations).toBe(2)
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
