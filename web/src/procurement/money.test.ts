import { describe, expect, it } from 'vitest'
import { percent, toFen, yuan, yuanInput } from './money'

describe('money', () => {
  it('shows fen as yuan with two decimals and grouped thousands', () => {
    expect(yuan(0)).toBe('0.00')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(1250)).toBe('12.50')
    expect(yuan(123456)).toBe('1,234.56')
    expect(yuan(100000000000)).toBe('1,000,000,000.00')
    expect(yuan(-2999)).toBe('-29.99')
    expect(yuanInput(123456)).toBe('1234.56')
  })

  it('reads typed yuan by its digits, not through a float', () => {
    expect(toFen('0.29')).toBe(29)
    expect(toFen('1.15')).toBe(115)
    expect(toFen('12')).toBe(1200)
    expect(toFen('12.5')).toBe(1250)
    expect(toFen('12.')).toBe(1200)
    expect(toFen(' 1,234.56 ')).toBe(123456)
    expect(toFen('１２．５')).toBe(1250)
  })

  it('refuses what is not an amount of yuan and fen', () => {
    for (const bad of ['', ' ', '.5', '1.234', '-1', '1e3', 'abc', '12元', '1.2.3']) {
      expect(toFen(bad), bad).toBeNull()
    }
  })

  it('shows 集采 completion per mille as a percentage', () => {
    expect(percent(0)).toBe('0.0%')
    expect(percent(453)).toBe('45.3%')
    expect(percent(1000)).toBe('100.0%')
    expect(percent(1250)).toBe('125.0%')
  })
})
