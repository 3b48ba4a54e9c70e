import { describe, expect, it } from 'vitest'
import { allResolved, resolutionsFor } from './discrepancy'

describe('resolutionsFor', () => {
  it('offers resend, credit and write-off for what was lost', () => {
    for (const k of ['SHORT', 'DAMAGED', 'WRONG_BATCH'] as const) expect(resolutionsFor(k)).toEqual(['RESEND', 'CREDIT', 'WRITE_OFF'])
  })
  it('offers only accept for what arrived over', () => {
    expect(resolutionsFor('OVER')).toEqual(['ACCEPT'])
  })
  it('counts a shipment settled once every discrepancy has a resolution', () => {
    expect(allResolved([{ resolution: 'CREDIT' }, { resolution: null }])).toBe(false)
    expect(allResolved([{ resolution: 'CREDIT' }, { resolution: 'ACCEPT' }])).toBe(true)
  })
})
