// A supplier's invoice as its form holds it (prices and amounts typed in
// yuan), the lines an order suggests for it, and the three-way match's
// differences in words. The match itself is the server's.
import type { DifferenceKind, InvoiceLineInput, InvoiceStatus } from '@gql/graphql'
import type { MessageKey } from '@/i18n'
import { uuid } from '@/util'
import { count, toFen, yuan, yuanInput } from './money'
import type { DraftItem } from './order'
import type { TagType } from './order'

export interface InvoiceDraftLine {
  key: string
  itemId: string | null
  item: DraftItem | null
  packs: number
  /** Per pack, in yuan as typed. */
  price: string
  /** In yuan as typed. */
  amount: string
  /** Typed by hand: it no longer follows packs × price. */
  amountTyped: boolean
}

export function blankInvoiceLine(): InvoiceDraftLine {
  return { key: uuid(), itemId: null, item: null, packs: 1, price: '', amount: '', amountTyped: false }
}

interface OrderLineLike {
  item: DraftItem
  unitsPerPack: number
  receivedQuantity: number
  unitPriceFen: number
}

interface InvoiceLike {
  status: InvoiceStatus
  purchaseOrder: { id: string }
  lines: { item: { id: string }; packs: number }[]
}

/** Approved and paid invoices have billed their receipts; the others
 * bill nothing until approved. */
const BILLED: InvoiceStatus[] = ['APPROVED', 'PAID']

/** The order's lines as the invoice should read them: what was received
 * and not yet billed by an approved invoice of the same order, in whole
 * packs of the order line's level, at the order's price. Lines with
 * nothing left are left out. */
export function linesFromOrder(orderId: string, lines: OrderLineLike[], invoices: InvoiceLike[]): InvoiceDraftLine[] {
  const billedPacks = new Map<string, number>()
  for (const inv of invoices) {
    if (inv.purchaseOrder.id !== orderId || !BILLED.includes(inv.status)) continue
    for (const l of inv.lines) billedPacks.set(l.item.id, (billedPacks.get(l.item.id) ?? 0) + l.packs)
  }
  const out: InvoiceDraftLine[] = []
  for (const l of lines) {
    const open = l.receivedQuantity - (billedPacks.get(l.item.id) ?? 0) * l.unitsPerPack
    const packs = Math.floor(open / l.unitsPerPack)
    if (packs <= 0) continue
    out.push({
      key: uuid(),
      itemId: l.item.id,
      item: l.item,
      packs,
      price: yuanInput(l.unitPriceFen),
      amount: yuanInput(packs * l.unitPriceFen),
      amountTyped: false,
    })
  }
  return out
}

/** Packs × price, unless the amount was typed by hand (then it stays as
 * typed, and the match says when it is wrong). */
export function followAmount(line: InvoiceDraftLine) {
  if (line.amountTyped) return
  const price = toFen(line.price)
  line.amount = price === null ? '' : yuanInput(price * line.packs)
}

/** The sum of the lines' amounts as typed, in fen (unreadable ones count 0). */
export function draftTotal(lines: InvoiceDraftLine[]): number {
  return lines.reduce((sum, l) => sum + (toFen(l.amount) ?? 0), 0)
}

export interface PlannedInvoice {
  lines: InvoiceLineInput[]
  /** Keyed as the server keys them: `lines[1].unitPriceFen`. */
  errors: Record<string, string>
}

export function planInvoice(drafts: InvoiceDraftLine[], messages: { item: string; price: string; amount: string }): PlannedInvoice {
  const errors: Record<string, string> = {}
  const lines = drafts.map((d, i): InvoiceLineInput => {
    if (!d.itemId) errors[`lines[${i}].itemId`] = messages.item
    const price = toFen(d.price)
    if (!price) errors[`lines[${i}].unitPriceFen`] = messages.price
    const amount = toFen(d.amount)
    if (amount === null) errors[`lines[${i}].amountFen`] = messages.amount
    return { itemId: d.itemId ?? '', packs: d.packs, unitPriceFen: price ?? 0, amountFen: amount ?? 0 }
  })
  return { lines, errors }
}

export interface DifferenceLike {
  lineNo: number
  kind: DifferenceKind
  expected: number
  actual: number
  item: { baseUnit: string }
}

/** A difference in words: QUANTITY in base units, PRICE and AMOUNT in
 * yuan (the API's fen), NOT_ON_ORDER without figures. */
export function describe(d: DifferenceLike): { key: MessageKey; params: Record<string, string> } {
  const key = `inv.diff.${d.kind}` as MessageKey
  switch (d.kind) {
    case 'QUANTITY':
      return { key, params: { expected: `${count(d.expected)} ${d.item.baseUnit}`, actual: `${count(d.actual)} ${d.item.baseUnit}` } }
    case 'PRICE':
    case 'AMOUNT':
      return { key, params: { expected: yuan(d.expected), actual: yuan(d.actual) } }
    default:
      return { key, params: {} }
  }
}

/** The differences of one invoice line. */
export function differencesOf<D extends DifferenceLike>(all: D[], lineNo: number): D[] {
  return all.filter((d) => d.lineNo === lineNo)
}

/** Whether the match found `kind` on this line: its cell is marked. */
export function flagged(all: DifferenceLike[], lineNo: number, kind: DifferenceKind): boolean {
  return all.some((d) => d.lineNo === lineNo && d.kind === kind)
}

export function invoiceTag(status: InvoiceStatus): TagType {
  const types: Record<InvoiceStatus, TagType> = {
    ENTERED: 'info',
    MATCHED: 'success',
    MISMATCHED: 'danger',
    APPROVED: 'primary',
    PAID: 'success',
  }
  return types[status]
}

/** What the invoice page offers: a match while not yet approved, the
 * approval only once it matched. */
export function invoiceActions(status: InvoiceStatus): { match: boolean; approve: boolean } {
  return { match: status === 'ENTERED' || status === 'MATCHED' || status === 'MISMATCHED', approve: status === 'MATCHED' }
}
