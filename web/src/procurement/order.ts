// What the order screens offer in each state, and order lines as typed
// into their form. The server's transition table (docs/procurement.md)
// stays the authority; this only decides which buttons to show.
import type { ItemStatus, PurchaseOrderLineInput, PurchaseOrderStatus } from '@gql/graphql'
import { uuid } from '@/util'
import { toFen } from './money'

export interface OrderActions {
  edit: boolean
  submit: boolean
  cancel: boolean
  close: boolean
  /** Closing short: the rest will not come, and the buyer says why. */
  closeNeedsReason: boolean
  overage: boolean
  receive: boolean
}

export function orderActions(status: PurchaseOrderStatus): OrderActions {
  return {
    edit: status === 'DRAFT',
    submit: status === 'DRAFT',
    // Once anything was received the order is closed short, never cancelled.
    cancel: status === 'DRAFT' || status === 'SUBMITTED',
    close: status === 'PARTIALLY_RECEIVED' || status === 'RECEIVED',
    closeNeedsReason: status === 'PARTIALLY_RECEIVED',
    overage: status === 'DRAFT' || status === 'SUBMITTED' || status === 'PARTIALLY_RECEIVED',
    receive: receivable(status),
  }
}

/** Goods can arrive against it. */
export function receivable(status: PurchaseOrderStatus): boolean {
  return status === 'SUBMITTED' || status === 'PARTIALLY_RECEIVED'
}

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

export function statusTag(status: PurchaseOrderStatus): TagType {
  const types: Record<PurchaseOrderStatus, TagType> = {
    DRAFT: 'info',
    SUBMITTED: 'primary',
    PARTIALLY_RECEIVED: 'warning',
    RECEIVED: 'success',
    CLOSED: 'info',
    CANCELLED: 'danger',
  }
  return types[status]
}

/** What an order form knows of a line's item (its pick list's entry). */
export interface DraftItem {
  id: string
  code: string
  genericName: string
  strength: string
  baseUnit: string
  status: ItemStatus
  packageLevels: { level: number; name: string; unitsPerPack: number }[]
}

/** An order line as its form holds it: the price as typed, in yuan. */
export interface DraftLine {
  key: string
  itemId: string | null
  item: DraftItem | null
  packageLevel: number
  packs: number
  /** Blank: the agreed price in force. */
  price: string
}

export function blankLine(): DraftLine {
  return { key: uuid(), itemId: null, item: null, packageLevel: 1, packs: 1, price: '' }
}

export interface PlannedLines {
  lines: PurchaseOrderLineInput[]
  /** Keyed as the server keys its field errors (`lines[2].unitPriceFen`),
   * so the form shows both kinds the same way. */
  errors: Record<string, string>
}

/** The lines to send, or what is wrong with them before sending. */
export function planLines(drafts: DraftLine[], messages: { price: string; item: string }): PlannedLines {
  const errors: Record<string, string> = {}
  const lines = drafts.map((d, i): PurchaseOrderLineInput => {
    if (!d.itemId) errors[`lines[${i}].itemId`] = messages.item
    const typed = d.price.trim()
    const fen = typed ? toFen(typed) : null
    if (typed && !fen) errors[`lines[${i}].unitPriceFen`] = messages.price
    return { itemId: d.itemId ?? '', packageLevel: d.packageLevel, packs: d.packs, unitPriceFen: fen }
  })
  return { lines, errors }
}
