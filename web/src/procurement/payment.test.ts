import { describe, expect, it } from 'vitest'
import { checkPayment, invoicesTotal } from './payment'
import { statementsWorkbook, thisMonth } from './period'
import { count } from './money'

const messages = { invoices: 'pick', amount: 'amount', equal: 'equal', date: 'date', reference: 'ref' }
const invoices = [
  { id: 'a', totalFen: 12000 },
  { id: 'b', totalFen: 345 },
  { id: 'c', totalFen: 99999 },
]

describe('payments', () => {
  it('total the invoices ticked, in fen', () => {
    expect(invoicesTotal(invoices, ['a', 'b'])).toBe(12345)
    expect(invoicesTotal(invoices, new Set(['c']))).toBe(99999)
    expect(invoicesTotal(invoices, [])).toBe(0)
  })

  it('must equal the total of the invoices they settle', () => {
    const form = { invoiceIds: ['a', 'b'], amount: '123.45', paidOn: '2026-03-01', reference: 'BANK-1' }
    expect(checkPayment(form, 12345, messages)).toEqual({})
    expect(checkPayment({ ...form, amount: '123.4' }, 12345, messages)).toEqual({ amountFen: 'equal' })
    expect(checkPayment({ ...form, invoiceIds: [], amount: '', paidOn: '', reference: ' ' }, 0, messages)).toEqual({
      invoiceIds: 'pick',
      amountFen: 'amount',
      paidOn: 'date',
      reference: 'ref',
    })
  })
})

describe('periods and counts', () => {
  it('default a statement to the month of today', () => {
    expect(thisMonth(new Date(2026, 1, 14))).toEqual(['2026-02-01', '2026-02-28'])
    expect(thisMonth(new Date(2028, 1, 1))).toEqual(['2028-02-01', '2028-02-29'])
    expect(thisMonth(new Date(2026, 11, 31))).toEqual(['2026-12-01', '2026-12-31'])
    expect(statementsWorkbook('2026-02-01', '2026-02-28')).toBe('/exports/member-statements.xlsx?from=2026-02-01&to=2026-02-28')
  })

  it('group counts as amounts are grouped', () => {
    expect(count(0)).toBe('0')
    expect(count(2688)).toBe('2,688')
    expect(count(-1234567)).toBe('-1,234,567')
  })
})
