// The web app's budgets, measured (not asserted: figures go to
// bench/RESULTS.md). Run: YAOLIAN_BENCH=1 npx playwright test
import { test } from '@playwright/test'
import { gzipSync } from 'node:zlib'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gs1, packOf, signIn, wedge } from './helpers'

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../target/bench-web.json')
const figures: Record<string, number | string> = {}

test('@bench first route JavaScript, interactive time and scan-to-result', async ({ browser, baseURL }) => {
  // 200 scans typed at a wedge scanner's pace take a while.
  test.setTimeout(600_000)
  // Cold cache: a new context, signed in by cookie, opening the station.
  const warm = await browser.newContext()
  const w = await warm.newPage()
  await signIn(w, 'pharmacist.vc0101')
  const cookies = await warm.cookies()
  await warm.close()

  const cold = await browser.newContext()
  await cold.addCookies(cookies)
  const page = await cold.newPage()
  const scripts: { url: string; body: Buffer }[] = []
  page.on('response', async (r) => {
    if (r.request().resourceType() === 'script') scripts.push({ url: r.url(), body: await r.body() })
  })
  await page.goto('/scan')
  await page.getByTestId('scan-field').waitFor()
  await page.waitForLoadState('networkidle')
  const ready = await page.evaluate(() => performance.getEntriesByName('scan-ready')[0]?.startTime ?? -1)
  const gz = scripts.reduce((n, s) => n + gzipSync(s.body).length, 0)
  const raw = scripts.reduce((n, s) => n + s.body.length, 0)
  figures.scanStationScripts = scripts.length
  figures.scanStationJsKiB = Math.round(raw / 1024)
  figures.scanStationJsGzipKiB = Math.round(gz / 1024)
  figures.interactiveMs = Math.round(ready)

  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0001')
  for (let n = 0; n < 200; n++) await wedge(page, gs1(pack, `B${n}`))
  await page.waitForFunction(() => (window as unknown as { yaolianScanTimings: number[] }).yaolianScanTimings.length >= 200)
  const t = (await page.evaluate(() => (window as unknown as { yaolianScanTimings: number[] }).yaolianScanTimings)).slice(-200)
  t.sort((a, b) => a - b)
  const q = (p: number) => Math.round(t[Math.min(t.length - 1, Math.floor(p * t.length))]! * 10) / 10
  figures.scans = t.length
  figures.scanToResultP50Ms = q(0.5)
  figures.scanToResultP95Ms = q(0.95)
  figures.scanToResultMaxMs = q(1)
  figures.at = new Date().toISOString()
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, JSON.stringify(figures, null, 2))
  console.log(JSON.stringify(figures, null, 2))
  await cold.close()
})
