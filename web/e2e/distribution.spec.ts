// Distribution in the browser: a village clinic asks, the centre approves
// and allocates, the goods are dispatched, and the clinic receives them by
// wedge-scanning the shipment's label and its packs.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { api, gs1, shot, signIn, wedge, type Pack } from './helpers'

async function as(browser: Browser, user: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, user)
  return { page, close: () => context.close() }
}

/** Element Plus dropdowns fade; a screenshot should not catch them. */
async function settled(page: Page) {
  await page.waitForTimeout(400)
}

interface Line {
  quantity: number
  batch: { lotNumber: string; expiryDate: string }
  item: { code: string; genericName: string; packageLevels: { level: number; unitsPerPack: number; gtins: string[] }[] }
}

/** The packs a line's quantity is sent in: the largest level that divides
 * it, as many scans of it (one serial each) as packs. */
function packsOf(line: Line, tag: string): string[] {
  const levels = [...line.item.packageLevels].filter((l) => l.gtins.length).sort((a, b) => b.unitsPerPack - a.unitsPerPack)
  const level = levels.find((l) => line.quantity % l.unitsPerPack === 0) ?? levels.at(-1)!
  const pack: Pack = { gtin: level.gtins[0]!, lot: line.batch.lotNumber, expiry: line.batch.expiryDate, batchId: '', itemCode: line.item.code, genericName: line.item.genericName }
  const n = Math.ceil(line.quantity / level.unitsPerPack)
  return Array.from({ length: n }, (_, i) => gs1(pack, `${tag}${i}`))
}

test('a clinic requisition from the suggestion is approved, allocated, dispatched and received by scan', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000)
  // 1. The village pharmacist asks, starting from the suggestion.
  await signIn(page, 'pharmacist.vc0101')
  await page.getByTestId('menu-requisitions').click()
  await page.getByTestId('requisition-new').click()
  await expect(page.getByText(/已按补货建议预填|补货建议暂无/)).toBeVisible()
  if ((await page.getByTestId('requisition-line').count()) === 0) {
    await page.getByTestId('requisition-add').click()
    await page.keyboard.type('YP0001')
    await page.locator('.el-select-dropdown:visible').getByRole('option').first().click()
    await settled(page)
  }
  // Two lines at most, of two whole packs each, so the scanning is short.
  while ((await page.getByTestId('requisition-line').count()) > 2) await page.getByTestId('line-remove').last().click()
  for (const row of await page.getByTestId('requisition-line').all()) {
    const step = Number(await row.getAttribute('data-step'))
    await row.getByTestId('line-quantity').locator('input').fill(String(2 * step))
    await row.getByTestId('line-quantity').locator('input').blur()
  }
  await page.getByTestId('requisition-note').fill('e2e 月度请领')
  await shot(page, 'requisition-new')
  // An item this clinic's level may not stock is refused on its own line,
  // and taken off.
  for (let tries = 0; tries < 4; tries++) {
    await page.getByTestId('requisition-submit').click()
    const refused = page.getByTestId('requisition-line').filter({ has: page.getByTestId('line-error') })
    await expect(page.getByTestId('requisition-status').or(refused)).toBeVisible()
    if (!(await refused.count())) break
    await shot(page, 'requisition-line-refused')
    await refused.first().getByTestId('line-remove').click()
  }
  await expect(page.getByTestId('requisition-status')).toHaveAttribute('data-status', 'SUBMITTED')
  const number = (await page.getByTestId('requisition-number').textContent())!.trim()
  await page.getByTestId('menu-requisitions').click()
  await expect(page.locator(`[data-test=requisition-row][data-number="${number}"]`)).toContainText('已提交')
  await shot(page, 'requisitions')

  // 2. The centre's warehouse approves: a cut without a reason is refused
  // on that line, then given one.
  const centre = await as(browser, 'warehouse')
  const w = centre.page
  await w.getByTestId('menu-distribution').click()
  await w.locator(`[data-test=requisition-row][data-number="${number}"]`).click()
  const first = w.getByTestId('requisition-line').first()
  const asked = Number(await first.getByTestId('approved-quantity').locator('input').inputValue())
  if (asked > 1) {
    // Half of it (one whole pack of the two).
    await first.getByTestId('approved-quantity').locator('input').fill(String(asked / 2))
    await first.getByTestId('approved-quantity').locator('input').blur()
    await w.getByTestId('requisition-approve').click()
    await expect(first.getByTestId('line-error')).toBeVisible()
    await shot(w, 'requisition-reason-required')
    await first.getByTestId('approve-reason').fill('中心库存紧张')
  }
  await w.getByTestId('requisition-approve').click()
  await expect(w.getByTestId('requisition-status')).toHaveAttribute('data-status', 'APPROVED')
  await w.getByTestId('requisition-allocate').click()
  const shipment = w.getByTestId('requisition-shipment').first()
  await expect(shipment).toBeVisible()
  await expect(w.getByTestId('requisition-status')).toHaveAttribute('data-status', /ALLOCATED|APPROVED/)
  const shipmentNumber = (await shipment.getAttribute('data-number'))!
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(w, 'requisition-allocated')

  // 3. The warehouse plans the route's run and dispatches it.
  await w.getByTestId('menu-runs').click()
  const group = w.getByTestId('route-group').filter({ has: w.locator(`[data-number="${shipmentNumber}"]`) })
  await expect(group).toBeVisible()
  await shot(w, 'runs')
  await group.getByTestId('run-plan').click()
  await w.getByTestId('run-vehicle').fill('皖A·12345 王师傅')
  await w.getByTestId('run-plan-confirm').click()
  await expect(w.getByTestId('run-status')).toHaveAttribute('data-status', 'PLANNED')
  await expect(w.locator(`[data-test=run-shipment][data-number="${shipmentNumber}"]`)).toBeVisible()
  const runHref = (await w.getByTestId('run-pick-list').getAttribute('href'))!
  expect(runHref).toMatch(/^\/exports\/pick-lists\/.+\.xlsx$/)
  // The pick list printed from the browser: this shipment's lines, earliest
  // expiry first; then every package label of the run.
  await w.getByTestId('run-pick-list-print').click()
  const picked = w.locator(`[data-test=pick-shipment][data-number="${shipmentNumber}"] [data-test=pick-line]`)
  await expect(picked.first()).toBeVisible()
  const expiries = await picked.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-expiry') ?? ''))
  expect(expiries).toEqual([...expiries].sort())
  // Each line names the shelf the demo put its item on.
  await expect(picked.first().getByTestId('pick-location')).toHaveText(/^LOC-[AB]-\d\d-\d\d$/)
  await shot(w, 'pick-list')
  await w.getByTestId('pick-list-page').getByRole('button', { name: '打印箱标签' }).click()
  const label = w.getByTestId('run-label').first()
  await expect(label).toBeVisible()
  await expect.poll(() => label.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
  await shot(w, 'run-labels')
  await w.goBack()
  await w.goBack()
  await expect(w.getByTestId('run-status')).toHaveAttribute('data-status', 'PLANNED')
  await w.getByTestId('run-dispatch').click()
  await expect(w.getByTestId('run-status')).toHaveAttribute('data-status', 'DISPATCHED')
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(w, 'run-dispatched')
  // The printable delivery note the driver carries: every line with its lot
  // and packs, and nothing of the app's frame when printed.
  await w.locator(`[data-test=run-shipment][data-number="${shipmentNumber}"]`).getByTestId('delivery-note-print').click()
  await expect(w.getByTestId('note-number')).toHaveText(shipmentNumber)
  await expect(w.getByTestId('note-line').first()).toBeVisible()
  expect(await w.getByTestId('note-packs').first().textContent()).toMatch(/^\d+ \S+/)
  await shot(w, 'delivery-note')
  await w.emulateMedia({ media: 'print' })
  await expect(w.getByTestId('menu')).toBeHidden()
  await expect(w.getByTestId('note-print')).toBeHidden()
  await shot(w, 'delivery-note-print')
  await w.emulateMedia({ media: 'screen' })
  await centre.close()

  // What was sent, read through the API to build the packs' codes.
  const { gql } = await api(baseURL!, 'warehouse')
  const found = await gql(
    `query($n: String!) { shipmentByNumber(number: $n) { id status lines { quantity batch { lotNumber expiryDate }
       item { code genericName packageLevels { level unitsPerPack gtins } } } } }`,
    { n: shipmentNumber },
  )
  const sent = found.shipmentByNumber as { id: string; status: string; lines: Line[] }
  expect(sent.status).toBe('DISPATCHED')

  // On its way, the shipment shows on the clinic's stock screen under 在途,
  // though the clinic has never held its batches.
  await page.getByTestId('menu-stock').click()
  await page.getByTestId('transit-title').click()
  await expect(page.locator(`[data-test=transit-line][data-number="${shipmentNumber}"]`).first()).toBeVisible()
  await settled(page)
  await shot(page, 'stock-in-transit')

  // 4. The pharmacist scans the label, then every pack.
  await page.getByTestId('menu-receive-shipment').click()
  await wedge(page, shipmentNumber)
  await expect(page.getByTestId('receiving-shipment')).toHaveText(shipmentNumber)
  const tag = Date.now().toString(36).toUpperCase()
  const codes = sent.lines.flatMap((l, i) => packsOf(l, `${tag}L${i}P`))
  for (const code of codes) {
    await wedge(page, code)
    await expect(page.getByTestId('scan-verdict')).toHaveAttribute('data-state', /done|refused/)
    await expect(page.getByTestId('scan-verdict')).toHaveAttribute('data-state', 'done')
  }
  // A pack of a lot the shipment does not carry is refused in words, and
  // counts nothing.
  const stray = codes[0]!.replace(`10${sent.lines[0]!.batch.lotNumber}`, '10NOSUCHLOT9')
  await wedge(page, stray)
  await expect(page.getByTestId('scan-verdict')).toHaveAttribute('data-state', 'refused')
  await expect(page.getByTestId('scan-verdict')).toContainText('批号不符')
  await shot(page, 'shipment-receiving')
  await page.getByTestId('complete-open').click()
  await expect(page.getByTestId('no-differences')).toBeVisible()
  await settled(page)
  await shot(page, 'shipment-complete')
  await page.getByTestId('complete-confirm').click()
  await expect(page.getByTestId('shipment-received')).toBeVisible()
  await expect(page.getByTestId('shipment-status')).toHaveAttribute('data-status', /RECEIVED|CLOSED/)
  await shot(page, 'shipment-received')

  // 5. The requisition shows it.
  await page.getByTestId('menu-requisitions').click()
  await expect(page.locator(`[data-test=requisition-row][data-number="${number}"]`)).toContainText(/已收货|已完结/)
  await shot(page, 'requisitions-received')
})

test('a clinic returns surplus stock to the centre and dispatches it', async ({ page }) => {
  await signIn(page, 'pharmacist.vc0101')
  await page.getByTestId('menu-returns').click()
  await page.getByTestId('return-batch').click()
  await page.keyboard.type('YP0002')
  await page.locator('.el-select-dropdown:visible').getByRole('option').first().click()
  await settled(page)
  await page.getByTestId('return-quantity').locator('input').fill('1')
  await page.getByTestId('return-quantity').locator('input').blur()
  await page.getByTestId('return-reason').click()
  await page.locator('.el-select-dropdown:visible').getByRole('option', { name: '积压' }).click()
  await settled(page)
  await page.getByTestId('return-note').fill('e2e 积压退回')
  await shot(page, 'return-new')
  await page.getByTestId('return-create').click()
  const row = page.getByTestId('return-row').filter({ hasText: '积压' }).first()
  await expect(row).toHaveAttribute('data-status', 'ALLOCATED')
  await row.getByTestId('return-dispatch').click()
  await expect(row).toHaveAttribute('data-status', 'DISPATCHED')
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(page, 'returns')
})

test('the centre settles a short receipt and the shipment closes', async ({ browser, baseURL }) => {
  const { gql } = await api(baseURL!, 'warehouse')
  const found = await gql(`{ shipments(status: RECEIVED, kind: DELIVERY, first: 50) { nodes { number requisitionId to { code } discrepancies { kind resolution } } } }`)
  const nodes = found.shipments.nodes as { number: string; requisitionId: string | null; to: { code: string }; discrepancies: { kind: string; resolution: string | null }[] }[]
  const s = nodes.find((n) => n.requisitionId && n.discrepancies.some((d) => d.kind === 'SHORT' && !d.resolution))
  expect(s, 'the demo county has a received shipment with an open SHORT discrepancy').toBeTruthy()
  const centre = await as(browser, 'warehouse')
  const w = centre.page
  await w.goto(`/requisitions/${s!.requisitionId}`)
  const shipment = w.locator(`[data-test=requisition-shipment][data-number="${s!.number}"]`)
  const short = shipment.locator('[data-test=discrepancy][data-kind=SHORT][data-resolution=""]').first()
  await expect(short).toContainText('短少')
  await short.getByTestId('discrepancy-resolution').click()
  // Only what a loss allows is offered.
  const options = w.locator('.el-select-dropdown:visible').getByRole('option')
  await expect(options).toHaveText(['补发', '冲账', '核销'])
  await options.filter({ hasText: '冲账' }).click()
  await settled(w)
  await shot(w, 'discrepancy-resolve')
  await expect(short.getByTestId('discrepancy-resolve')).toBeDisabled()
  await short.getByTestId('discrepancy-reason').fill('运输途中遗失，中心承担')
  await short.getByTestId('discrepancy-resolve').click()
  await expect(shipment.locator('[data-test=discrepancy][data-resolution=CREDIT]').first()).toContainText('冲账')
  if (s!.discrepancies.length === 1) await expect(shipment.getByTestId('shipment-status')).toHaveAttribute('data-status', 'CLOSED')
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(w, 'discrepancy-resolved')
  await centre.close()
})

test('the centre moves stock from one member to another (调剂)', async ({ browser }) => {
  const centre = await as(browser, 'warehouse')
  const w = centre.page
  await w.getByTestId('menu-transfers').click()
  await w.getByTestId('transfer-to').click()
  await w.locator('.el-select-dropdown:visible').getByRole('option').nth(1).click()
  await settled(w)
  await w.getByTestId('transfer-batch').click()
  await w.keyboard.type('YP0002')
  await w.locator('.el-select-dropdown:visible').getByRole('option').first().click()
  await settled(w)
  await w.getByTestId('transfer-quantity').locator('input').fill('1')
  await w.getByTestId('transfer-quantity').locator('input').blur()
  await w.getByTestId('transfer-note').fill('e2e 调剂')
  await shot(w, 'transfer-new')
  await w.getByTestId('transfer-create').click()
  await expect(w.getByTestId('transfer-made').first()).toContainText('SH-')
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(w, 'transfer-made')
  await centre.close()
})

test('the centre allocates ticked requisitions at once, and gives one allocation up', async ({ browser }) => {
  const centre = await as(browser, 'warehouse')
  const w = centre.page
  await w.getByTestId('menu-distribution').click()
  const choice = w.getByTestId('allocate-choice').locator('.el-checkbox').first()
  await expect(choice, 'the demo county has an approved requisition waiting for stock').toBeVisible()
  const id = (await choice.getAttribute('data-id'))!
  await choice.click()
  await expect(w.getByTestId('allocate-selected')).toContainText('1')
  await settled(w)
  await shot(w, 'allocate-selected')
  await w.getByTestId('allocate-selected').click()
  await expect(w.locator('.el-message').first()).toContainText(/已生成 [1-9]\d* 张配送单/)
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  // Its shipment, given up with a reason: the quantities are backordered again.
  await w.goto(`/requisitions/${id}`)
  const shipment = w.locator('[data-test=requisition-shipment]').filter({ has: w.locator('[data-status=ALLOCATED]') }).first()
  await expect(shipment).toBeVisible()
  const shipmentNumber = (await shipment.getAttribute('data-number'))!
  await shipment.getByTestId('shipment-cancel').click()
  await expect(w.getByTestId('cancel-confirm')).toBeDisabled()
  await w.getByTestId('cancel-reason').fill('车辆故障，改下周配送')
  await shot(w, 'shipment-cancel')
  await w.getByTestId('cancel-confirm').click()
  await expect(w.locator(`[data-test=requisition-shipment][data-number="${shipmentNumber}"] [data-test=shipment-status]`)).toHaveAttribute('data-status', 'CANCELLED')
  await expect(w.getByTestId('line-backorder').first()).not.toHaveText('0')
  await expect(w.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
  await shot(w, 'shipment-cancelled')
  await centre.close()
})
