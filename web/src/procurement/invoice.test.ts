import { describe, expect, it } from 'vitest'
import { describe as say, differencesOf, draftTotal, flagged, followAmount, invoiceActions, linesFromOrder, planInvoice, blankInvoiceLine } from './invoice'

const item = (id: string) => ({ id, code: id, genericName: id, strength: '', baseUnit: '片', status: 'ACTIVE' as const, packageLevels: [{ level: 1, name: '盒', unitsPerPack: 12 }] })
const orderLines = [
  { item: item('a'), unitsPerPack: 12, receivedQuantity: 120, unitPriceFen: 360 },
  { item: item('b'), unitsPerPack: 10, receivedQuantity: 0, unitPriceFen: 500 },
  { item: item('c'), unitsPerPack: 4, receivedQuantity: 40, unitPriceFen: 1015 },
]
const messages = { item: 'item', price: 'price', amount: 'amount' }

describe('invoice entry', () => {
  it('suggests what was received and not yet billed, at the order price', () => {
    const lines = linesFromOrder('po', orderLines, [])
    expect(lines.map((l) => [l.itemId, l.packs, l.price, l.amount])).toEqual([
      ['a', 10, '3.60', '36.00'],
      ['c', 10, '10.15', '101.50'],
    ])
  })

  it('leaves out what an approved invoice of the same order has billed', () => {
    const invoices = [
      { status: 'APPROVED' as const, purchaseOrder: { id: 'po' }, lines: [{ item: { id: 'a' }, packs: 4 }] },
      { status: 'PAID' as const, purchaseOrder: { id: 'po' }, lines: [{ item: { id: 'c' }, packs: 10 }] },
      // Not billed yet, or another order's: no effect.
      { status: 'MISMATCHED' as const, purchaseOrder: { id: 'po' }, lines: [{ item: { id: 'a' }, packs: 6 }] },
      { status: 'APPROVED' as const, purchaseOrder: { id: 'other' }, lines: [{ item: { id: 'a' }, packs: 6 }] },
    ]
    expect(linesFromOrder('po', orderLines, invoices).map((l) => [l.itemId, l.packs])).toEqual([['a', 6]])
  })

  it('keeps the amount at packs × price until it is typed', () => {
    const l = { ...blankInvoiceLine(), itemId: 'a', packs: 3, price: '1.15' }
    followAmount(l)
    expect(l.amount).toBe('3.45')
    l.price = 'x'
    followAmount(l)
    expect(l.amount).toBe('')
    l.amount = '9.99'
    l.amountTyped = true
    l.price = '2'
    followAmount(l)
    expect(l.amount).toBe('9.99')
    expect(draftTotal([l, { ...l, amount: '0.01' }, { ...l, amount: 'bad' }])).toBe(1000)
  })

  it('sends fen, and names the cell of what cannot be read', () => {
    const good = { ...blankInvoiceLine(), itemId: 'a', packs: 10, price: '3.60', amount: '36' }
    const planned = planInvoice([good, { ...good, itemId: null, price: '0', amount: '1.234' }], messages)
    expect(planned.lines[0]).toEqual({ itemId: 'a', packs: 10, unitPriceFen: 360, amountFen: 3600 })
    expect(planned.errors).toEqual({ 'lines[1].itemId': 'item', 'lines[1].unitPriceFen': 'price', 'lines[1].amountFen': 'amount' })
  })
})

describe('three-way match differences', () => {
  const unit = { baseUnit: '片' }
  const diffs = [
    { lineNo: 1, kind: 'PRICE' as const, expected: 360, actual: 400, item: unit },
    { lineNo: 1, kind: 'AMOUNT' as const, expected: 4000, actual: 3600, item: unit },
    { lineNo: 2, kind: 'QUANTITY' as const, expected: 1200, actual: 1320, item: unit },
    { lineNo: 3, kind: 'NOT_ON_ORDER' as const, expected: 0, actual: 5, item: unit },
  ]

  it('says quantities in base units and money in yuan', () => {
    expect(say(diffs[0]!)).toEqual({ key: 'inv.diff.PRICE', params: { expected: '3.60', actual: '4.00' } })
    expect(say(diffs[1]!)).toEqual({ key: 'inv.diff.AMOUNT', params: { expected: '40.00', actual: '36.00' } })
    expect(say(diffs[2]!)).toEqual({ key: 'inv.diff.QUANTITY', params: { expected: '1,200 片', actual: '1,320 片' } })
    expect(say(diffs[3]!)).toEqual({ key: 'inv.diff.NOT_ON_ORDER', params: {} })
  })

  it('puts each difference on its line and cell', () => {
    expect(differencesOf(diffs, 1).map((d) => d.kind)).toEqual(['PRICE', 'AMOUNT'])
    expect(flagged(diffs, 1, 'PRICE')).toBe(true)
    expect(flagged(diffs, 1, 'QUANTITY')).toBe(false)
    expect(flagged(diffs, 2, 'QUANTITY')).toBe(true)
  })

  it('approves only a matched invoice', () => {
    expect(invoiceActions('ENTERED')).toEqual({ match: true, approve: false })
    expect(invoiceActions('MISMATCHED')).toEqual({ match: true, approve: false })
    expect(invoiceActions('MATCHED')).toEqual({ match: true, approve: true })
    expect(invoiceActions('APPROVED')).toEqual({ match: false, approve: false })
    expect(invoiceActions('PAID')).toEqual({ match: false, approve: false })
  })
})
