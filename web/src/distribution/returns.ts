// A return's lines as the form collects them: one per batch, never more
// than is available of it.

export interface ReturnLine {
  batchId: string
  label: string
  available: number
  quantity: number
  baseUnit: string
}

/** Adds a batch, or raises its quantity if it is there already; capped
 * at what is available. */
export function addBatch(lines: ReturnLine[], line: ReturnLine): ReturnLine[] {
  const at = lines.findIndex((l) => l.batchId === line.batchId)
  if (at < 0) return [...lines, { ...line, quantity: Math.min(line.quantity, line.available) }]
  return lines.map((l, i) => (i === at ? { ...l, quantity: Math.min(l.quantity + line.quantity, l.available) } : l))
}

/** What createReturn takes. */
export function returnLines(lines: ReturnLine[]): { batchId: string; quantity: number }[] {
  return lines.filter((l) => l.quantity > 0).map((l) => ({ batchId: l.batchId, quantity: Math.round(l.quantity) }))
}
