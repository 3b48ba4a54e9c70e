// Reading a keyboard-wedge barcode scanner. The scanner "types" the code as
// a burst of keystrokes and ends it with Enter or Tab; people type the same
// field slowly, or paste into it. The reader decides, key by key, what the
// scan field should do, and says where a code came from. It keeps no DOM
// state, so it is tested without a browser (wedge.test.ts).

export type Source = 'scanner' | 'keyboard' | 'paste'

export interface Scan {
  code: string
  source: Source
}

export interface KeyInput {
  key: string
  ctrlKey?: boolean
  altKey?: boolean
  metaKey?: boolean
  isComposing?: boolean
}

export type KeyDecision =
  /** The field's text is a whole code: send it and clear the field. */
  | { action: 'submit'; scan: Scan }
  /** Put this text in the field instead of what the key would do. */
  | { action: 'insert'; text: string }
  /** Swallow the key (Tab on an empty field must not move the focus). */
  | { action: 'swallow' }
  /** An input method is composing: scanned letters would become Chinese
   * characters. The station asks the user to switch to English input. */
  | { action: 'ime' }
  /** Let the browser handle the key (typing, editing, arrows). */
  | { action: 'default' }

/** GS1's group separator (ASCII 29), which scanners type as Ctrl+]. */
export const GS = '\u001d'

export class WedgeReader {
  private stamps: number[] = []

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** Keys closer together than this are machine-typed; people manage
     * 80 ms at best, scanners 1 to 20. */
    private readonly burstGapMs = 35,
  ) {}

  keydown(e: KeyInput, fieldText: string): KeyDecision {
    if (e.isComposing || e.key === 'Process') return { action: 'ime' }
    if (e.key === 'Enter' || e.key === 'Tab') {
      const code = clean(fieldText)
      const source = this.source()
      this.stamps = []
      if (!code) return e.key === 'Tab' ? { action: 'swallow' } : { action: 'default' }
      return { action: 'submit', scan: { code, source } }
    }
    if (e.key === GS || e.key === 'GroupSeparator' || (e.ctrlKey && e.key === ']')) {
      this.stamps.push(this.now())
      return { action: 'insert', text: GS }
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      this.stamps.push(this.now())
    }
    return { action: 'default' }
  }

  /** A paste of several lines is several scans (a list copied from a
   * spreadsheet); one line goes into the field like typing. */
  pasted(text: string): Scan[] | null {
    const lines = text.split(/\r\n|\r|\n/).map(clean)
    if (lines.length < 2) return null
    this.stamps = []
    return lines.filter((l) => l.length > 0).map((code) => ({ code, source: 'paste' as const }))
  }

  /** Called when the field is cleared by other means. */
  reset() {
    this.stamps = []
  }

  private source(): Source {
    if (this.stamps.length < 4) return 'keyboard'
    const gaps = this.stamps.slice(1).map((t, i) => t - (this.stamps[i] ?? t))
    gaps.sort((a, b) => a - b)
    const median = gaps[Math.floor(gaps.length / 2)] ?? Infinity
    return median <= this.burstGapMs ? 'scanner' : 'keyboard'
  }
}

/** What a scanner adds around a code and a server would not want: line
 * ends, surrounding spaces. Separators inside the code are kept. */
function clean(text: string): string {
  return text.replace(/^[\s]+|[\s]+$/g, '')
}
