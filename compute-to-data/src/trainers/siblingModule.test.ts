import { describe, expect, test } from 'vitest'
import { siblingModule } from './siblingModule.ts'

describe('siblingModule', () => {
  test('default: the sources name .ts siblings', () => {
    expect(siblingModule('file:///repo/compute-to-data/src/trainers/x/definition.ts', 'main')).toBe('/repo/compute-to-data/src/trainers/x/main.ts')
  })

  test('behavior: the built package names .js siblings', () => {
    expect(siblingModule('file:///app/node_modules/@datavault/compute-to-data/dist/trainers/x/definition.js', 'main')).toBe('/app/node_modules/@datavault/compute-to-data/dist/trainers/x/main.js')
  })
})
