// What the centre may do about a receipt's discrepancy: what was lost
// (short, damaged, the wrong batch) is resent, credited or written off;
// what arrived over is accepted.
import type { DiscrepancyKind, DiscrepancyResolution } from '@gql/graphql'

export function resolutionsFor(kind: DiscrepancyKind): DiscrepancyResolution[] {
  return kind === 'OVER' ? ['ACCEPT'] : ['RESEND', 'CREDIT', 'WRITE_OFF']
}

export function allResolved(ds: { resolution?: DiscrepancyResolution | null }[]): boolean {
  return ds.every((d) => !!d.resolution)
}
