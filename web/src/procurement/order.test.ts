import { describe, expect, it } from 'vitest'
import type { PurchaseOrderStatus } from '@gql/graphql'
import { orderActions, planLines, receivable, type DraftLine } from './order'

const messages = { price: 'bad price', item: 'pick an item' }
const line = (over: Partial<DraftLine>): DraftLine => ({ key: 'k', itemId: 'item-1', item: null, packageLevel: 1, packs: 3, price: '', ...over })

describe('purchase order screens', () => {
  it('offer what the transition table allows in each state', () => {
    const offered = (s: PurchaseOrderStatus) =>
      Object.entries(orderActions(s))
        .filter(([, on]) => on)
        .map(([k]) => k)
    expect(offered('DRAFT')).toEqual(['edit', 'submit', 'cancel', 'overage'])
    expect(offered('SUBMITTED')).toEqual(['cancel', 'overage', 'receive'])
    expect(offered('PARTIALLY_RECEIVED')).toEqual(['close', 'closeNeedsReason', 'overage', 'receive'])
    expect(offered('RECEIVED')).toEqual(['close'])
    expect(offered('CLOSED')).toEqual([])
    expect(offered('CANCELLED')).toEqual([])
    expect(receivable('SUBMITTED') && receivable('PARTIALLY_RECEIVED') && !receivable('RECEIVED')).toBe(true)
  })

  it('turns typed yuan into fen, and a blank price into the agreed one', () => {
    const planned = planLines([line({ price: '12.50' }), line({ itemId: 'item-2', price: ' ' })], messages)
    expect(planned.errors).toEqual({})
    expect(planned.lines).toEqual([
      { itemId: 'item-1', packageLevel: 1, packs: 3, unitPriceFen: 1250 },
      { itemId: 'item-2', packageLevel: 1, packs: 3, unitPriceFen: null },
    ])
  })

  it('names the row and field of what is wrong, as the server would', () => {
    const planned = planLines([line({}), line({ itemId: null }), line({ price: '1.234' }), line({ price: '0' })], messages)
    expect(planned.errors).toEqual({
      'lines[1].itemId': 'pick an item',
      'lines[2].unitPriceFen': 'bad price',
      'lines[3].unitPriceFen': 'bad price',
    })
  })
})
