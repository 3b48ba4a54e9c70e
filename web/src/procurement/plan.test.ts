import { describe, expect, it } from 'vitest'
import { allState, chosen, chosenFen, matching, selectable, tickAll } from './plan'

const line = (id: string, name: string, supplier: boolean, amountFen: number | null = 100) => ({
  item: { id, code: `YP${id}`, genericName: name, strength: '0.25g', tradeName: null },
  supplier: supplier ? { id: 's', name: '国药' } : null,
  amountFen: supplier ? amountFen : null,
})
const lines = [line('1', '阿莫西林胶囊', true, 32256), line('2', '头孢呋辛酯片', true, 406980), line('3', '无协议药', false), line('4', '阿奇霉素片', true, 474540)]

describe('the procurement plan', () => {
  it('lets only lines with a supplier be ticked', () => {
    expect(lines.map(selectable)).toEqual([true, true, false, true])
    expect(chosen(lines, new Set(['1', '3', '4']))).toEqual(['1', '4'])
  })

  it('filters by code, name or strength', () => {
    expect(matching(lines, ' 阿 ').map((l) => l.item.id)).toEqual(['1', '4'])
    expect(matching(lines, 'yp0').length).toBe(0)
    expect(matching(lines, 'yp2').map((l) => l.item.id)).toEqual(['2'])
    expect(matching(lines, '').length).toBe(4)
  })

  it('selects all of what is shown, leaving hidden lines as they were', () => {
    const shown = matching(lines, '阿')
    let ticked = tickAll(shown, new Set(['2']), true)
    expect([...ticked].sort()).toEqual(['1', '2', '4'])
    expect(allState(shown, ticked)).toBe('all')
    expect(allState(lines, ticked)).toBe('all')
    ticked = tickAll(shown, ticked, false)
    expect([...ticked]).toEqual(['2'])
    expect(allState(shown, ticked)).toBe('none')
    expect(allState(lines, ticked)).toBe('some')
    // A line without a supplier never counts against "all".
    expect(allState(lines, new Set(['1', '2', '4']))).toBe('all')
    expect(allState([line('3', 'x', false)], new Set())).toBe('none')
  })

  it('sums the ticked lines in fen', () => {
    expect(chosenFen(lines, new Set(['1', '4']))).toBe(32256 + 474540)
    expect(chosenFen(lines, new Set(['3']))).toBe(0)
  })
})
