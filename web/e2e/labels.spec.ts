// Every label, rendered in Chromium: each text line lies inside the
// drawing, and the barcode decodes (with zxing-cpp, a decoder written by
// others) to the batch's own data.
import { expect, test, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import { packOf, shot, signIn } from './helpers'

// The decoder's WebAssembly from node_modules, not from its default CDN.
const require = createRequire(import.meta.url)
prepareZXingModule({
  overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer },
  fireImmediately: true,
})

/** Opens a label and returns each text's box and the drawing's size. */
async function layout(page: Page, path: string) {
  // Fetched with the page's session cookie, drawn inline on a blank page
  // (an SVG document itself cannot be screenshot reliably).
  const response = await page.request.get(path)
  expect(response.status(), path).toBe(200)
  expect(response.headers()['content-type']).toContain('image/svg+xml')
  const svg = await response.text()
  await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`)
  return page.evaluate(() => {
    const svg = document.querySelector('svg')!
    const vb = svg.viewBox.baseVal
    const texts = [...svg.querySelectorAll('text')].map((t) => {
      const b = t.getBBox()
      return { text: t.textContent ?? '', x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height }
    })
    return { width: vb.width, height: vb.height, texts }
  })
}

async function decode(page: Page) {
  const png = await page.locator('svg').screenshot()
  return readBarcodes(new Uint8Array(png), { tryHarder: true, formats: ['DataMatrix', 'Code128'] })
}

test('batch and location labels fit their text and decode to their data', async ({ page, baseURL }) => {
  const pack = await packOf(baseURL!, 'warehouse', 'YP0009')
  await signIn(page, 'warehouse')
  const yymmdd = pack.expiry.slice(2).replaceAll('-', '')
  for (const [name, path, format] of [
    ['label-batch-datamatrix', `/labels/batch/${pack.batchId}.dm.svg`, 'DataMatrix'],
    ['label-batch-gs1-128', `/labels/batch/${pack.batchId}.svg`, 'Code128'],
  ] as const) {
    const { width, height, texts } = await layout(page, path)
    expect(texts.length, path).toBeGreaterThanOrEqual(2)
    for (const t of texts) {
      expect(t.x, `${path}: "${t.text}" starts left of the drawing`).toBeGreaterThanOrEqual(0)
      expect(t.right, `${path}: "${t.text}" ends right of the drawing`).toBeLessThanOrEqual(width)
      expect(t.y, `${path}: "${t.text}"`).toBeGreaterThanOrEqual(0)
      expect(t.bottom, `${path}: "${t.text}"`).toBeLessThanOrEqual(height)
    }
    await shot(page, name)
    const found = await decode(page)
    expect(found.length, `${path} decodes`).toBeGreaterThan(0)
    const hit = found[0]!
    expect(hit.format).toBe(format)
    // GS1 data: the GTIN, the expiry and the lot of this very batch.
    // zxing gives GS1 data in its bracketed form, (01)…(17)…(10)…
    const data = hit.text.replaceAll('\u001d', '').replace(/[()]/g, '')
    expect(data).toContain(`01${pack.gtin}`)
    expect(data).toContain(`17${yymmdd}`)
    expect(data).toContain(`10${pack.lot}`)
  }

  const location = '/labels/location/LOC-A01-03.svg'
  const { width, texts } = await layout(page, location)
  for (const t of texts) {
    expect(t.x).toBeGreaterThanOrEqual(0)
    expect(t.right).toBeLessThanOrEqual(width)
  }
  await shot(page, 'label-location')
  const found = await decode(page)
  expect(found[0]?.text).toBe('LOC-A01-03')
})
