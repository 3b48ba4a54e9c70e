// Business days as the API writes them (YYYY-MM-DD, the local calendar).

export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** The first and last day of the month `today` is in. */
export function thisMonth(today = new Date()): [string, string] {
  const first = new Date(today.getFullYear(), today.getMonth(), 1)
  const last = new Date(today.getFullYear(), today.getMonth() + 1, 0)
  return [isoDay(first), isoDay(last)]
}

/** Every member's statement for the period, as a workbook. */
export function statementsWorkbook(from: string, to: string): string {
  return `/exports/member-statements.xlsx?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
}
