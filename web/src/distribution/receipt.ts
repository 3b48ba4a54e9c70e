// Receiving a shipment from the centre: what a scanned code is, how a
// refused pack scan reads, and what is left over at completion.
import type { DiscrepancyKind } from '@gql/graphql'
import type { MessageKey } from '@/i18n'

/** A shipment's number as its label prints it. */
export function isShipmentNumber(raw: string): boolean {
  return /^SH-\d{4}-\d{6}$/i.test(raw.trim())
}

const CODED: Record<string, MessageKey> = {
  WRONG_BATCH: 'shr.err.WRONG_BATCH',
  NOT_ON_SHIPMENT: 'shr.err.NOT_ON_SHIPMENT',
  ALREADY_SCANNED: 'shr.err.ALREADY_SCANNED',
  FORBIDDEN: 'shr.err.FORBIDDEN',
}

/** The message key of a coded scan refusal, or undefined for others. */
export function scanErrorKey(code: string): MessageKey | undefined {
  return CODED[code]
}

interface LineLike {
  id: string
  quantity: number
  scannedQuantity: number
}

export interface Difference {
  lineId: string
  kind: DiscrepancyKind
  quantity: number
  note: string
}

/** One SHORT per line not scanned in full, for the unscanned remainder;
 * an OVER for a line scanned beyond what was sent. */
export function defaultDifferences(lines: LineLike[]): Difference[] {
  const out: Difference[] = []
  for (const l of lines) {
    if (l.scannedQuantity < l.quantity) out.push({ lineId: l.id, kind: 'SHORT', quantity: l.quantity - l.scannedQuantity, note: '' })
    else if (l.scannedQuantity > l.quantity) out.push({ lineId: l.id, kind: 'OVER', quantity: l.scannedQuantity - l.quantity, note: '' })
  }
  return out
}

/** What completeShipmentReceipt takes: differences with a quantity. */
export function discrepancies(diffs: Difference[]) {
  return diffs
    .filter((d) => d.quantity > 0)
    .map((d) => ({ lineId: d.lineId, kind: d.kind, quantity: Math.round(d.quantity), note: d.note.trim() || null }))
}

export function progress(lines: LineLike[]): { expected: number; scanned: number; percent: number } {
  const expected = lines.reduce((s, l) => s + l.quantity, 0)
  const scanned = lines.reduce((s, l) => s + Math.min(l.scannedQuantity, l.quantity), 0)
  return { expected, scanned, percent: expected ? Math.round((scanned * 100) / expected) : 0 }
}
