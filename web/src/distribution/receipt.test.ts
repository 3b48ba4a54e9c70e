import { describe, expect, it } from 'vitest'
import { defaultDifferences, discrepancies, isShipmentNumber, progress, scanErrorKey } from './receipt'

describe('shipment receipt', () => {
  it('knows a shipment label', () => {
    expect(isShipmentNumber('SH-2026-000123')).toBe(true)
    expect(isShipmentNumber(' sh-2026-000123 ')).toBe(true)
    expect(isShipmentNumber('PO-2026-000123')).toBe(false)
  })
  it('names the coded refusals', () => {
    expect(scanErrorKey('WRONG_BATCH')).toBe('shr.err.WRONG_BATCH')
    expect(scanErrorKey('VALIDATION')).toBeUndefined()
  })
  it('records the unscanned remainder as short, and extra as over', () => {
    const lines = [
      { id: 'a', quantity: 100, scannedQuantity: 100 },
      { id: 'b', quantity: 100, scannedQuantity: 40 },
      { id: 'c', quantity: 10, scannedQuantity: 12 },
    ]
    const diffs = defaultDifferences(lines)
    expect(diffs).toEqual([
      { lineId: 'b', kind: 'SHORT', quantity: 60, note: '' },
      { lineId: 'c', kind: 'OVER', quantity: 2, note: '' },
    ])
    diffs[1]!.quantity = 0
    expect(discrepancies(diffs)).toEqual([{ lineId: 'b', kind: 'SHORT', quantity: 60, note: null }])
    expect(progress(lines)).toEqual({ expected: 210, scanned: 150, percent: 71 })
  })
})
