import { expect, test } from 'vitest'
import * as exports from './index.ts'

// The public surface of the package: a change here is a visible diff in review.
test('default: public exports', () => {
  expect(Object.keys(exports).sort()).toMatchSnapshot()
})
