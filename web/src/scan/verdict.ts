// How a scan result is judged at a glance: the colour of each warning and
// the one sound for the whole scan.
import type { WarningCode } from '@gql/graphql'
import type { Tone } from './sound'

/** Red: the pack must not be used. */
const RED: WarningCode[] = ['EXPIRED', 'RECALLED', 'QUARANTINED', 'ITEM_DELISTED']

export type Colour = 'red' | 'amber'

export function colour(code: WarningCode): Colour {
  return RED.includes(code) ? 'red' : 'amber'
}

export function tone(found: boolean, warnings: { code: WarningCode }[]): Tone {
  if (!found || warnings.some((w) => colour(w.code) === 'red')) return 'refused'
  return warnings.length > 0 ? 'warning' : 'ok'
}
