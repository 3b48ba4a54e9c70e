import { describe, expect, it } from 'vitest'
import { addBatch, returnLines } from './returns'

const b = (id: string, quantity: number, available = 50) => ({ batchId: id, label: id, available, quantity, baseUnit: '片' })

describe('return form', () => {
  it('keeps one line per batch, capped at what is available', () => {
    let lines = addBatch([], b('x', 30))
    lines = addBatch(lines, b('x', 30))
    expect(lines).toHaveLength(1)
    expect(lines[0]!.quantity).toBe(50)
    lines = addBatch(lines, b('y', 0))
    expect(returnLines(lines)).toEqual([{ batchId: 'x', quantity: 50 }])
  })
})
