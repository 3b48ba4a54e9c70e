import { describe, expect, it } from 'vitest'
import { addLine, approvalLines, fieldLine, linesFromSuggestion, requisitionLines } from './requisition'

const item = (id: string) => ({ id, genericName: `药${id}`, strength: '10mg', baseUnit: '片' })

describe('requisition form', () => {
  it('starts from the suggestion, leaving out what needs nothing', () => {
    const lines = linesFromSuggestion([
      { item: item('a'), suggestedQuantity: 200, unitsPerPack: 100 },
      { item: item('b'), suggestedQuantity: 0, unitsPerPack: 10 },
    ])
    expect(lines).toEqual([{ itemId: 'a', label: '药a 10mg', quantity: 200, unitsPerPack: 100, baseUnit: '片' }])
  })
  it('adds an item once and sends positive whole quantities', () => {
    const one = addLine([], { itemId: 'a', label: 'a', quantity: 5, unitsPerPack: 1, baseUnit: '片' })
    const again = addLine(one, { itemId: 'a', label: 'a', quantity: 9, unitsPerPack: 1, baseUnit: '片' })
    expect(again).toHaveLength(1)
    const two = addLine(again, { itemId: 'b', label: 'b', quantity: 0, unitsPerPack: 1, baseUnit: '片' })
    expect(requisitionLines(two)).toEqual([{ itemId: 'a', quantity: 5 }])
  })
})

describe('approval', () => {
  it('names only the changed lines, with their reasons', () => {
    expect(
      approvalLines([
        { lineId: '1', asked: 10, approved: 10, reason: '' },
        { lineId: '2', asked: 10, approved: 4, reason: ' 库存不足 ' },
        { lineId: '3', asked: 10, approved: 5, reason: '' },
      ]),
    ).toEqual([
      { lineId: '2', approvedQuantity: 4, reason: '库存不足' },
      { lineId: '3', approvedQuantity: 5, reason: null },
    ])
  })
  it('reads the line of a field error', () => {
    expect(fieldLine('lines.2.reason')).toBe(2)
    expect(fieldLine('note')).toBeUndefined()
  })
})
