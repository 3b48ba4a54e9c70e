// Money is integer fen in the API and in every sum; people read and type
// yuan with two decimals. Conversions go by the digits, never through a
// float (0.29 × 100 is 28.999… in floating point).

/** 123456 → "1,234.56". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(fen))
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** As a price field is filled in for editing: "1234.50", no grouping. */
export function yuanInput(fen: number): string {
  return yuan(fen).replaceAll(',', '')
}

/** Full-width digits and points, as a Chinese input method in full-width
 * mode types them. */
function halfWidth(s: string): string {
  return s.replace(/[０-９．，]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
}

/** Typed yuan ("12", "12.5", "1,234.56", "１２．５") to fen; null when it
 * is not a non-negative amount with at most two decimals. */
export function toFen(text: string): number | null {
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(halfWidth(text).replaceAll(',', '').trim())
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}

/** 集采 completion: per mille as a percentage with one decimal, 453 → "45.3%". */
export function percent(permille: number): string {
  return `${(permille / 10).toFixed(1)}%`
}

/** A count of units or packs, grouped as amounts are: 12345 → "12,345". */
export function count(n: number): string {
  const sign = n < 0 ? '-' : ''
  return sign + Math.abs(Math.trunc(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}
