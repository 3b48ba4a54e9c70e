// Delivery runs: allocated shipments grouped by the route they ride on (a
// village clinic's goods go with its township centre's), and the
// downloads a run and its shipments print.

interface Place {
  id: string
  name: string
  kind: string
  parent?: { id: string; name: string } | null
}

interface ShipmentLike {
  id: string
  to: Place
}

export interface RouteGroup<S> {
  routeId: string
  routeName: string
  shipments: S[]
}

/** The route a destination is on: a village clinic rides with its parent. */
export function routeOf(to: Place): { id: string; name: string } {
  return to.kind === 'VILLAGE_CLINIC' && to.parent ? { id: to.parent.id, name: to.parent.name } : { id: to.id, name: to.name }
}

/** Shipments by route, routes by name, in the order they came within. */
export function byRoute<S extends ShipmentLike>(shipments: S[]): RouteGroup<S>[] {
  const groups = new Map<string, RouteGroup<S>>()
  for (const s of shipments) {
    const r = routeOf(s.to)
    const g = groups.get(r.id) ?? { routeId: r.id, routeName: r.name, shipments: [] }
    g.shipments.push(s)
    groups.set(r.id, g)
  }
  return [...groups.values()].sort((a, b) => a.routeName.localeCompare(b.routeName, 'zh-CN'))
}

export const pickListUrl = (runId: string) => `/exports/pick-lists/${runId}.xlsx`
export const deliveryNoteUrl = (shipmentId: string) => `/exports/delivery-notes/${shipmentId}.xlsx`
/** One label per package, numbered from 1. */
export function labelUrls(shipmentId: string, packages: number): string[] {
  return Array.from({ length: Math.max(1, packages) }, (_, i) => `/labels/shipment/${shipmentId}.svg?package=${i + 1}`)
}

/** Today in the browser's calendar, as the API's NaiveDate. */
export function today(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export const deliveryNotePage = (shipmentId: string) => `/shipments/${shipmentId}/note`

interface Level {
  name: string
  unitsPerPack: number
}

/**
 * A quantity in base units as the person counting it sees packs, by the
 * same rule as the spreadsheet delivery note: the largest package level
 * that holds it a whole number of times ("2 箱"), else the smallest level
 * with the rest in base units ("20 盒 + 5 粒"), else base units ("5 粒").
 */
export function packs(quantity: number, levels: Level[], baseUnit: string): string {
  const sorted = levels.filter((l) => l.unitsPerPack > 0).sort((a, b) => a.unitsPerPack - b.unitsPerPack)
  if (quantity > 0) {
    const whole = [...sorted].reverse().find((l) => quantity % l.unitsPerPack === 0)
    if (whole) return `${quantity / whole.unitsPerPack} ${whole.name}`
  }
  const smallest = sorted[0]
  if (smallest && quantity > smallest.unitsPerPack) {
    return `${Math.floor(quantity / smallest.unitsPerPack)} ${smallest.name} + ${quantity % smallest.unitsPerPack} ${baseUnit}`
  }
  return `${quantity} ${baseUnit}`
}

export const pickListPage = (runId: string) => `/runs/${runId}/pick-list`
export const runLabelsPage = (runId: string) => `/runs/${runId}/labels`

interface PickLine {
  lineNo: number
  batch: { lotNumber: string; expiryDate: string }
}

/** A shipment's lines in the order they are picked, as on the spreadsheet
 * pick list: earliest expiry first, then lot, then line. */
export function pickOrder<L extends PickLine>(lines: L[]): L[] {
  return [...lines].sort(
    (a, b) =>
      a.batch.expiryDate.localeCompare(b.batch.expiryDate) ||
      a.batch.lotNumber.localeCompare(b.batch.lotNumber) ||
      a.lineNo - b.lineNo,
  )
}
