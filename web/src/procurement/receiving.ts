// Reading scans at the receiving bench before (or without) the server:
// what kind of code it is, which order line it is for, and whether a
// refusal is the kind a buyer may override.
import type { FieldError } from '@/api/client'

/** A 20-digit drug traceability code (药品追溯码): it names one pack but
 * carries no lot or expiry, so it rides along with the pack's GS1 scan. */
export function isTraceCode(raw: string): boolean {
  return /^\d{20}$/.test(raw.trim())
}

/** A purchase order's number as printed on it. */
export function isOrderNumber(raw: string): boolean {
  return /^PO-\d{4}-\d{6}$/i.test(raw.trim())
}

/** Codes typed or pasted into one field, one per run of digits. */
export function traceCodes(text: string): string[] {
  return text.split(/[\s,，;；、]+/).filter(Boolean)
}

interface LineLike {
  item: { gtins: string[] }
}

/** The order line a GS1 scan is for, by the GTIN after its (01): known
 * offline, so a queued scan can say what it is and a cold-chain item's
 * temperature goes with it. Undefined when no line's item matches. */
export function lineOfScan<L extends LineLike>(raw: string, lines: L[]): L | undefined {
  const digits = raw.replace(/\(01\)/g, '01')
  return lines.find((l) => l.item.gtins.some((g) => digits.includes(`01${g.padStart(14, '0')}`)))
}

interface Refusal {
  code: string
  fields?: FieldError[]
}

/** Refused for less than the minimum shelf life (not for being expired,
 * which nobody may override): the API names the reason it lacks,
 * `shortDatedReason`, where an expired lot is refused on `expiryDate`. */
export function shortDated(e: Refusal): boolean {
  return e.code === 'VALIDATION' && !!e.fields?.some((f) => f.field === 'shortDatedReason')
}

/** The same receipt again, accepted short-dated: a new request (the
 * refused one is answered from the server's memory of it otherwise). */
export function acceptShortDated<T extends { clientRequestId: string; shortDatedReason?: string | null }>(
  input: T,
  reason: string,
  clientRequestId: string,
): T {
  return { ...input, shortDatedReason: reason.trim(), clientRequestId }
}

interface ColdItem {
  storageMinCelsius?: number | null
  storageMaxCelsius?: number | null
}

/** The range a cold-chain item must arrive in: its own storage range when
 * the catalogue sets one, else the community's cold chain (2–8 °C, the
 * server's default; the server decides, this is what the bench shows). */
export function coldRange(item: ColdItem): string {
  const { storageMinCelsius: lo, storageMaxCelsius: hi } = item
  return lo != null && hi != null ? `${lo}–${hi} °C` : '2–8 °C'
}
