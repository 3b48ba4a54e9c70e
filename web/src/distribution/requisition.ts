// A requisition's lines as the form edits them and as the centre approves
// them: pure functions, so the rules are tested without a browser.
import type { RequisitionStatus } from '@gql/graphql'

export const STATUS_TYPE: Record<RequisitionStatus, 'info' | 'primary' | 'success' | 'warning' | 'danger'> = {
  DRAFT: 'info',
  SUBMITTED: 'warning',
  APPROVED: 'primary',
  REJECTED: 'danger',
  ALLOCATED: 'primary',
  DISPATCHED: 'primary',
  RECEIVED: 'success',
  CLOSED: 'info',
}

export interface DraftLine {
  itemId: string
  label: string
  /** Base units. */
  quantity: number
  unitsPerPack: number
  baseUnit: string
}

interface SuggestionLike {
  item: { id: string; genericName: string; strength?: string | null; baseUnit: string }
  suggestedQuantity: number
  unitsPerPack: number
}

/** The form's first lines: what the suggestion says to ask for now. */
export function linesFromSuggestion(lines: SuggestionLike[]): DraftLine[] {
  return lines
    .filter((l) => l.suggestedQuantity > 0)
    .map((l) => ({
      itemId: l.item.id,
      label: [l.item.genericName, l.item.strength].filter(Boolean).join(' '),
      quantity: l.suggestedQuantity,
      unitsPerPack: Math.max(1, l.unitsPerPack),
      baseUnit: l.item.baseUnit,
    }))
}

/** Adds an item (once: a second pick of it adds nothing). */
export function addLine(lines: DraftLine[], line: DraftLine): DraftLine[] {
  return lines.some((l) => l.itemId === line.itemId) ? lines : [...lines, line]
}

/** What createRequisition takes: positive quantities only. */
export function requisitionLines(lines: DraftLine[]): { itemId: string; quantity: number }[] {
  return lines.filter((l) => l.quantity > 0).map((l) => ({ itemId: l.itemId, quantity: Math.round(l.quantity) }))
}

export interface Decision {
  lineId: string
  asked: number
  approved: number
  reason: string
}

/** The approval's lines: only those changed (the rest are approved as
 * asked), each with its reason. */
export function approvalLines(decisions: Decision[]): { lineId: string; approvedQuantity: number; reason: string | null }[] {
  return decisions
    .filter((d) => d.approved !== d.asked)
    .map((d) => ({ lineId: d.lineId, approvedQuantity: d.approved, reason: d.reason.trim() || null }))
}

/** The index in `lines.N.reason` a refusal names, for the decision row. */
export function fieldLine(field: string): number | undefined {
  const m = /^lines\.(\d+)\./.exec(field)
  return m ? Number(m[1]) : undefined
}
