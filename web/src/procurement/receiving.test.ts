import { describe, expect, it } from 'vitest'
import { acceptShortDated, coldRange, isOrderNumber, isTraceCode, lineOfScan, shortDated, traceCodes } from './receiving'

const GS = '\u001d'
const lines = [
  { id: 'a', item: { gtins: ['6901234000014'] } },
  { id: 'b', item: { gtins: ['6901234000038', '16901234000035'] } },
]

describe('receiving scans', () => {
  it('tells a traceability code and an order number from a pack', () => {
    expect(isTraceCode('81000010000000000012')).toBe(true)
    expect(isTraceCode('0106901234000014')).toBe(false)
    expect(isOrderNumber('PO-2026-000012')).toBe(true)
    expect(isOrderNumber(' po-2026-000012 ')).toBe(true)
    expect(isOrderNumber('GR-2026-000012')).toBe(false)
  })

  it('splits typed or pasted traceability codes', () => {
    expect(traceCodes(' 81000010000000000001, 81000010000000000002\n81000010000000000003；')).toEqual([
      '81000010000000000001',
      '81000010000000000002',
      '81000010000000000003',
    ])
    expect(traceCodes('  ')).toEqual([])
  })

  it('shows a cold-chain item its own range, else the cold chain', () => {
    expect(coldRange({ storageMinCelsius: 15, storageMaxCelsius: 25 })).toBe('15–25 °C')
    expect(coldRange({ storageMinCelsius: -20, storageMaxCelsius: -10.5 })).toBe('-20–-10.5 °C')
    expect(coldRange({ storageMinCelsius: null, storageMaxCelsius: null })).toBe('2–8 °C')
    expect(coldRange({})).toBe('2–8 °C')
  })

  it('finds the order line by the GTIN of the scan, at any package level', () => {
    expect(lineOfScan(`010690123400001417280101${GS}10LOT1`, lines)?.id).toBe('a')
    expect(lineOfScan('(01)06901234000038(17)280101(10)L2', lines)?.id).toBe('b')
    expect(lineOfScan('0116901234000035172801011010L3', lines)?.id).toBe('b')
    expect(lineOfScan('0106901234000021172801011010L3', lines)).toBeUndefined()
  })

  it('offers the override for a short shelf life only, not for an expired lot', () => {
    const on = (field: string, message: string) => ({ code: 'VALIDATION', fields: [{ field, message, messageZh: '' }] })
    expect(shortDated(on('shortDatedReason', 'lot L1 expires on 2026-09-01 (90 days from today), below the minimum shelf life of 183 days; a buyer may accept it with a reason'))).toBe(true)
    expect(shortDated(on('expiryDate', 'lot L1 expired on 2025-01-01'))).toBe(false)
    expect(shortDated(on('packs', 'minimum shelf life'))).toBe(false)
    expect(shortDated({ code: 'FORBIDDEN' })).toBe(false)
  })

  it('re-sends a short-dated receipt as a new request with the reason', () => {
    const first = { purchaseOrderId: 'po', barcode: 'x', packs: 2, clientRequestId: 'one', traceCodes: [] }
    expect(acceptShortDated(first, ' 临床急需 ', 'two')).toEqual({ ...first, clientRequestId: 'two', shortDatedReason: '临床急需' })
    expect(first.clientRequestId).toBe('one')
  })
})
