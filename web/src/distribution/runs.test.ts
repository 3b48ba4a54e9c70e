import { describe, expect, it } from 'vitest'
import { byRoute, labelUrls, packs, pickOrder, routeOf, today } from './runs'

const town = { id: 't', name: '青山镇卫生院', kind: 'TOWNSHIP_HEALTH_CENTRE' }
const village = { id: 'v', name: '东岭村卫生室', kind: 'VILLAGE_CLINIC', parent: { id: 't', name: '青山镇卫生院' } }
const county = { id: 'c', name: '县医院', kind: 'COUNTY_HOSPITAL' }

describe('delivery runs', () => {
  it('puts a village clinic on its township centre’s route', () => {
    expect(routeOf(village)).toEqual({ id: 't', name: '青山镇卫生院' })
    expect(routeOf(county)).toEqual({ id: 'c', name: '县医院' })
  })
  it('groups shipments by route, routes in pinyin order', () => {
    const groups = byRoute([
      { id: '1', to: village },
      { id: '2', to: county },
      { id: '3', to: town },
    ])
    expect(groups.map((g) => [g.routeId, g.shipments.map((s) => s.id)])).toEqual([
      ['t', ['1', '3']],
      ['c', ['2']],
    ])
  })
  it('numbers a shipment’s labels from 1', () => {
    expect(labelUrls('s', 2)).toEqual(['/labels/shipment/s.svg?package=1', '/labels/shipment/s.svg?package=2'])
    expect(labelUrls('s', 0)).toHaveLength(1)
    expect(today(new Date(2026, 0, 5))).toBe('2026-01-05')
  })
})

describe('packs on a delivery note', () => {
  const levels = [
    { name: '粒', unitsPerPack: 1 },
    { name: '盒', unitsPerPack: 24 },
    { name: '箱', unitsPerPack: 480 },
  ]
  it('uses the largest level that holds the quantity whole', () => {
    expect(packs(960, levels, '粒')).toBe('2 箱')
    expect(packs(48, levels, '粒')).toBe('2 盒')
  })
  it('falls back to the smallest pack and the rest in base units', () => {
    const boxes = [
      { name: '盒', unitsPerPack: 24 },
      { name: '箱', unitsPerPack: 480 },
    ]
    expect(packs(485, boxes, '粒')).toBe('20 盒 + 5 粒')
    expect(packs(5, boxes, '粒')).toBe('5 粒')
  })
  it('never divides by a level without units', () => {
    expect(packs(7, [{ name: '盒', unitsPerPack: 0 }], '支')).toBe('7 支')
    expect(packs(0, levels, '粒')).toBe('0 粒')
  })
})

describe('pick order', () => {
  it('picks the earliest expiry first, then by lot and line', () => {
    const line = (lineNo: number, expiryDate: string, lotNumber: string) => ({ lineNo, batch: { expiryDate, lotNumber } })
    const order = pickOrder([line(1, '2027-06-01', 'B'), line(2, '2027-03-01', 'Z'), line(3, '2027-06-01', 'A'), line(4, '2027-06-01', 'A')])
    expect(order.map((l) => l.lineNo)).toEqual([2, 3, 4, 1])
  })
})
