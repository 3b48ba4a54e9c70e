// The procurement plan's screen logic: which lines may be ordered, what
// the buyer has ticked, and the filter by item. The plan itself (need,
// rounding, supplier choice) is the server's (docs/procurement.md).

export interface PlanLineLike {
  item: { id: string; code: string; genericName: string; strength: string; tradeName?: string | null }
  supplier?: { id: string; name: string } | null
  amountFen?: number | null
}

/** A line without an agreement in force has no supplier: it is bought by
 * hand, not from the plan. */
export function selectable(line: PlanLineLike): boolean {
  return !!line.supplier
}

/** The lines whose item matches what was typed: code, name (generic or
 * trade), or strength, ignoring case and spaces at the ends. */
export function matching<L extends PlanLineLike>(lines: L[], text: string): L[] {
  const q = text.trim().toLowerCase()
  if (!q) return lines
  return lines.filter((l) =>
    [l.item.code, l.item.genericName, l.item.tradeName ?? '', l.item.strength].some((s) => s.toLowerCase().includes(q)),
  )
}

export type AllState = 'all' | 'some' | 'none'

/** The select-all box over the lines shown: ticked when every line that
 * can be ticked is, half when some are. */
export function allState(shown: PlanLineLike[], ticked: ReadonlySet<string>): AllState {
  const open = shown.filter(selectable)
  const on = open.filter((l) => ticked.has(l.item.id)).length
  if (on === 0) return 'none'
  return on === open.length ? 'all' : 'some'
}

/** Ticks (or unticks) every line shown that can be; lines hidden by the
 * filter keep their state. */
export function tickAll(shown: PlanLineLike[], ticked: ReadonlySet<string>, on: boolean): Set<string> {
  const next = new Set(ticked)
  for (const l of shown.filter(selectable)) {
    if (on) next.add(l.item.id)
    else next.delete(l.item.id)
  }
  return next
}

/** What is ticked and still on the plan (a reload may drop lines), in
 * the plan's order: the item ids to send. */
export function chosen(lines: PlanLineLike[], ticked: ReadonlySet<string>): string[] {
  return lines.filter((l) => selectable(l) && ticked.has(l.item.id)).map((l) => l.item.id)
}

/** The amount of the ticked lines, in fen. */
export function chosenFen(lines: PlanLineLike[], ticked: ReadonlySet<string>): number {
  return lines.filter((l) => selectable(l) && ticked.has(l.item.id)).reduce((sum, l) => sum + (l.amountFen ?? 0), 0)
}
