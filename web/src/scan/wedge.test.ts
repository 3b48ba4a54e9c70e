import { describe, expect, it } from 'vitest'
import { GS, WedgeReader, type KeyDecision } from './wedge'

/** Types `text` into a simulated field at `gapMs` per key, then `end`,
 * doing to the field what the station does with each decision. */
function type(reader: WedgeReader, clock: { t: number }, text: string, gapMs: number, end = 'Enter') {
  let field = ''
  const decisions: KeyDecision[] = []
  const keys = [...text].map((ch) => (ch === GS ? { key: ']', ctrlKey: true } : { key: ch }))
  for (const k of [...keys, { key: end }]) {
    clock.t += gapMs
    const d = reader.keydown(k, field)
    decisions.push(d)
    if (d.action === 'default' && k.key.length === 1) field += k.key
    if (d.action === 'insert') field += d.text
    if (d.action === 'submit') field = ''
  }
  return decisions.at(-1)
}

function reader() {
  const clock = { t: 0 }
  return { clock, r: new WedgeReader(() => clock.t) }
}

const GS1 = `0106901234567892${GS}10LOT42${GS}17270630`

describe('wedge scanner input', () => {
  it('a burst ending in Enter is one scan from the scanner, separators kept', () => {
    const { clock, r } = reader()
    expect(type(r, clock, '010690123456789210A1', 5)).toEqual({
      action: 'submit',
      scan: { code: '010690123456789210A1', source: 'scanner' },
    })
    expect(type(r, clock, GS1, 5)).toEqual({ action: 'submit', scan: { code: GS1, source: 'scanner' } })
  })

  it('a burst ending in Tab submits too, and Tab on an empty field keeps the focus', () => {
    const { clock, r } = reader()
    expect(type(r, clock, '6901234567892', 3, 'Tab')).toEqual({
      action: 'submit',
      scan: { code: '6901234567892', source: 'scanner' },
    })
    expect(r.keydown({ key: 'Tab' }, '')).toEqual({ action: 'swallow' })
    expect(r.keydown({ key: 'Enter' }, '   ')).toEqual({ action: 'default' })
  })

  it('slow typing is the keyboard, and still submits on Enter', () => {
    const { clock, r } = reader()
    expect(type(r, clock, 'SH-2026-000123', 180)).toEqual({
      action: 'submit',
      scan: { code: 'SH-2026-000123', source: 'keyboard' },
    })
  })

  it('a burst after slow typing is judged on its own', () => {
    const { clock, r } = reader()
    type(r, clock, 'abc', 200)
    expect(type(r, clock, '6901234567892', 4)).toMatchObject({ scan: { source: 'scanner' } })
  })

  it('Ctrl+] and a literal GS both put a group separator in the field', () => {
    const { r } = reader()
    expect(r.keydown({ key: ']', ctrlKey: true }, '')).toEqual({ action: 'insert', text: GS })
    expect(r.keydown({ key: GS }, '')).toEqual({ action: 'insert', text: GS })
  })

  it('trailing line ends and spaces are trimmed, inner ones kept', () => {
    const { r } = reader()
    expect(r.keydown({ key: 'Enter' }, ' 01069012345678921 0X\r\n')).toMatchObject({
      scan: { code: '01069012345678921 0X' },
    })
  })

  it('an input method composing is reported, not submitted', () => {
    const { r } = reader()
    expect(r.keydown({ key: 'Process' }, '')).toEqual({ action: 'ime' })
    expect(r.keydown({ key: 'Enter', isComposing: true }, 'abc')).toEqual({ action: 'ime' })
  })

  it('a multi-line paste is a scan per non-empty line; one line is left to the field', () => {
    const { r } = reader()
    expect(r.pasted('6901234567892\r\n\n6901234567908\n')).toEqual([
      { code: '6901234567892', source: 'paste' },
      { code: '6901234567908', source: 'paste' },
    ])
    expect(r.pasted('6901234567892')).toBeNull()
  })

  it('editing keys pass through', () => {
    const { r } = reader()
    expect(r.keydown({ key: 'Backspace' }, 'abc')).toEqual({ action: 'default' })
    expect(r.keydown({ key: 'v', ctrlKey: true }, 'abc')).toEqual({ action: 'default' })
  })
})
