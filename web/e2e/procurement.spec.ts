import { expect, test, type Browser, type Page } from '@playwright/test'
import { api, gs1, packOf, shot, signIn, wedge, type Pack } from './helpers'

const SUPPLIER = '国药控股示范医药有限公司'
const TABLET = { width: 800, height: 1280 }

/** An ISO day `days` from today. */
/** The business day `days` from today: China's (UTC+8), as the server
 * counts it, whatever this machine's zone and hour. */
function inDays(days: number): string {
  return new Date(Date.now() + (8 * 60 + days * 24 * 60) * 60_000).toISOString().slice(0, 10)
}

/** A pack of `itemCode` from a lot new to the community, as a supplier
 * would deliver it: the demo item's GTIN, as packOf reads it. */
async function delivered(baseURL: string, itemCode: string, lot: string, expiryDays = 730): Promise<Pack> {
  const pack = await packOf(baseURL, 'warehouse', itemCode)
  return { ...pack, lot, expiry: inDays(expiryDays) }
}

/** A fresh lot name (1–20 characters), so a rerun never meets its own. */
const lot = (tag: string) => `${tag}${Date.now().toString(36).toUpperCase()}`

/** GB 32100 check character over the first 17 characters. */
function uscc(first17: string): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  let sum = 0
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(first17[i]!) * (3 ** i % 31)
  return first17 + alphabet[(31 - (sum % 31)) % 31]
}

async function pickOption(page: Page, trigger: ReturnType<Page['getByTestId']>, typed: string, option: string | RegExp) {
  await trigger.click()
  if (typed) await page.keyboard.type(typed)
  await page.getByRole('option', { name: option }).first().click()
}

/** Element Plus animates errors and dialogs in: let them finish before a
 * screenshot. */
async function settled(page: Page) {
  await page.waitForTimeout(400)
}

/** Toasts gone (they float over whatever a screenshot shows). */
async function quiet(page: Page) {
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
}

async function tablet(browser: Browser, user: string) {
  const context = await browser.newContext({ viewport: TABLET, hasTouch: true })
  const page = await context.newPage()
  await signIn(page, user)
  return { context, page }
}

/** The demo's two orders: the one submitted ("月度常规采购") and the one
 * partly received (YP0002 in, YP0005 to come), whatever the tests before
 * have received on them. */
async function seededOrders(baseURL: string) {
  const { gql } = await api(baseURL, 'buyer')
  const data = await gql('{ purchaseOrders(first: 50) { nodes { id number note lines { item { code } } } } }')
  const orders = data.purchaseOrders.nodes as { id: string; number: string; note: string | null; lines: { item: { code: string } }[] }[]
  const waiting = orders.find((o) => o.note === '月度常规采购')!
  const partial = orders.find((o) => o.lines.some((l) => l.item.code === 'YP0005'))!
  return { waiting, partial }
}

interface PlanPick {
  itemId: string
  code: string
  packs: number
  level: number
  supplier: string
  gtin: string
}

/** The plan line with the fewest packs (a few scans receive it), of an
 * item that needs no temperature at the door. */
async function smallestPlanLine(baseURL: string): Promise<PlanPick> {
  const { gql } = await api(baseURL, 'buyer')
  const data = await gql(`{ procurementPlan { lines { quantityPacks packageLevel supplier { name }
    item { id code coldChain packageLevels { level gtins } } } } }`)
  type Line = { quantityPacks: number; packageLevel: number; supplier: { name: string } | null; item: { id: string; code: string; coldChain: boolean; packageLevels: { level: number; gtins: string[] }[] } }
  const lines = (data.procurementPlan.lines as Line[]).filter((l) => l.supplier && !l.item.coldChain && l.quantityPacks > 0)
  lines.sort((a, b) => a.quantityPacks - b.quantityPacks || a.item.code.localeCompare(b.item.code))
  const l = lines[0]
  if (!l) throw new Error('the plan has no line to order')
  const gtin = l.item.packageLevels.find((p) => p.level === l.packageLevel)!.gtins[0]!
  return { itemId: l.item.id, code: l.item.code, packs: l.quantityPacks, level: l.packageLevel, supplier: l.supplier!.name, gtin }
}

/** Opens an Element Plus select and picks the option. */
async function choose(page: Page, trigger: ReturnType<Page['getByTestId']>, option: string | RegExp) {
  await trigger.click()
  await page.locator('.el-select-dropdown:visible').getByRole('option', { name: option }).first().click()
  // Closed, and faded out (it would show through a screenshot).
  await expect(page.locator('.el-select-dropdown:visible')).toHaveCount(0)
  await settled(page)
}

test.describe.serial('from the plan to payment', () => {
  /** The order made from the plan and received, for the invoice. */
  let received: { url: string; number: string; supplier: string; code: string; packs: number } | null = null

  test('a buyer creates an order from the plan, the warehouse receives it by wedge-scanning, and the order shows RECEIVED', async ({ page, browser, baseURL }) => {
    const pick = await smallestPlanLine(baseURL!)
    await signIn(page, 'buyer')
    await page.getByTestId('menu-plan').click()
    const row = page.locator(`[data-test=plan-line][data-item="${pick.code}"]`)
    await expect(row).toHaveAttribute('data-packs', String(pick.packs))
    expect(await page.getByTestId('plan-line').count()).toBeGreaterThan(10)
    // Each line shows how it was reached, and its supplier.
    const formula = page.locator(`[data-test=plan-formula][data-item="${pick.code}"]`)
    await expect(formula).toContainText(/成员建议 [\d,]+\s*\+\s*已批请领 [\d,]+\s*\+\s*中心储备 [\d,]+.*−\s*中心库存 [\d,]+\s*−\s*在途订单 [\d,]+\s*=\s*需求 [\d,]+/)
    await expect(row).toContainText(pick.supplier)
    await expect(row).toContainText(/×\s*[\d,]+\.\d{2}/)
    await expect(page.getByTestId('plan-vbp').first()).toHaveText('集采')
    await expect(page.getByTestId('plan-create')).toBeDisabled()
    await shot(page, 'plan')

    // Select-all ticks every line; clearing it leaves none.
    await page.getByTestId('plan-select-all').click()
    await expect(page.getByTestId('plan-picked')).toContainText(`已选 ${await page.locator('[data-test=plan-line] .el-checkbox:not(.is-disabled)').count()} 项`)
    await page.getByTestId('plan-select-all').click()
    await expect(page.getByTestId('plan-picked')).toContainText('已选 0 项')

    // The buyer finds the line and ticks it alone.
    await page.getByTestId('plan-search').fill(pick.code)
    await expect(page.getByTestId('plan-line')).toHaveCount(1)
    await row.getByTestId('plan-select').click()
    await expect(page.getByTestId('plan-picked')).toContainText('已选 1 项')
    await page.getByTestId('plan-create').click()
    const made = page.getByTestId('plan-created-order')
    await expect(made).toHaveCount(1)
    await expect(made).toContainText(pick.supplier)
    const number = (await made.getAttribute('data-number'))!
    expect(number).toMatch(/^PO-\d{4}-\d{6}$/)
    await shot(page, 'plan-created')
    // The plan reloaded: the order now covers the need.
    await expect(page.getByTestId('plan-picked')).toContainText('已选 0 项')
    await made.getByRole('link', { name: number }).click()

    await expect(page).toHaveURL(/\/orders\/[^/]+$/)
    const orderUrl = page.url()
    await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'DRAFT')
    await expect(page.getByTestId('order-supplier-name')).toHaveText(pick.supplier)
    const lines = page.getByTestId('order-lines').locator('tbody tr')
    await expect(lines).toHaveCount(1)
    await expect(lines.first()).toHaveAttribute('data-item', pick.code)
    await expect(page.getByTestId('line-agreed')).toBeVisible()
    await expect(page.getByTestId('order-receipts')).toContainText('尚未收货')
    await page.getByTestId('order-submit').click()
    await page.locator('.el-message-box').getByRole('button', { name: '提交订单' }).click()
    await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'SUBMITTED')
    await page.getByTestId('sign-out').click()

    // The warehouse scans the packs in, a few at a time.
    await signIn(page, 'warehouse')
    await page.getByTestId('menu-receive').click()
    const listed = page.locator(`[data-test=receivable-order][data-number="${number}"]`)
    await expect(listed).toBeVisible()
    await listed.click()
    await expect(page.getByTestId('receiving-order')).toHaveText(number)
    // A new lot, as the supplier delivers it, with the GTIN of the line's level.
    const pack: Pack = { gtin: pick.gtin, lot: lot('PL'), expiry: inDays(730), batchId: '', itemCode: pick.code, genericName: '' }
    const line = page.getByTestId('receiving-progress').locator(`tr[data-item="${pick.code}"]`)
    const perScan = Math.ceil(pick.packs / 3)
    let scans = 0
    for (let done = 0; done < pick.packs; ) {
      const n = Math.min(perScan, pick.packs - done)
      if (n > 1) {
        await page.keyboard.press('F2')
        await expect(page.getByTestId('receive-packs').locator('input')).toBeFocused()
        await page.keyboard.type(String(n))
        await page.keyboard.press('Enter')
      }
      await wedge(page, gs1(pack))
      done += n
      scans++
      await expect(line).toHaveAttribute('data-received', String(done))
      await expect(page.getByTestId('receive-packs').locator('input')).toHaveValue('1')
    }
    expect(scans).toBeLessThanOrEqual(3)
    await expect(page.getByTestId('receive-history').locator('tr[data-state=done]')).toHaveCount(scans)
    await expect(page.getByTestId('receiving-complete')).toBeVisible()
    await expect(page.locator('.head').getByTestId('order-status')).toHaveAttribute('data-status', 'RECEIVED')
    await expect(page.getByTestId('receipt-done')).toContainText(/GR-\d{4}-\d{6}/)
    await shot(page, 'receiving')

    // A pack more than ordered is refused, and says what is open.
    await wedge(page, gs1(pack))
    await expect(page.getByTestId('receive-current')).toHaveClass(/refused/)
    await expect(page.getByTestId('receive-refused')).toContainText('未收')

    await page.goto(orderUrl)
    await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'RECEIVED')
    await expect(page.getByTestId('order-status')).toHaveText('已收货')
    await expect(page.getByTestId('order-lines').locator('[data-test=line-received]')).toHaveText([String(pick.packs)])
    // 收货记录: each scan, with its lot and receipt document.
    const receipts = page.getByTestId('order-receipt')
    await expect(receipts).toHaveCount(scans)
    await expect(receipts.first()).toContainText(pack.lot)
    await expect(receipts.first()).toContainText(/GR-\d{4}-\d{6}/)
    await shot(page, 'order-received')
    received = { url: orderUrl, number, supplier: pick.supplier, code: pick.code, packs: pick.packs }

    // The same screens on a tablet held upright.
    const { context, page: upright } = await tablet(browser, 'warehouse')
    await upright.goto(orderUrl)
    await expect(upright.getByTestId('order-status')).toHaveAttribute('data-status', 'RECEIVED')
    await expect(upright.getByTestId('order-receipt')).toHaveCount(scans)
    await noSidewaysScroll(upright)
    await shot(upright, 'order-received-tablet')
    await context.close()
    const { context: buying, page: planUpright } = await tablet(browser, 'buyer')
    await planUpright.getByTestId('menu-plan').click()
    await expect(planUpright.getByTestId('plan-line').first()).toBeVisible()
    await noSidewaysScroll(planUpright)
    await shot(planUpright, 'plan-tablet')
    await buying.close()
  })

  test('the buyer enters the invoice for that order, matches and approves it, and pays it from payables', async ({ page, browser }) => {
    expect(received, 'the order from the plan was received').not.toBeNull()
    const order = received!
    await signIn(page, 'buyer')
    await page.getByTestId('menu-invoices').click()
    await expect(page.getByTestId('invoice-table')).toBeVisible()
    await page.getByTestId('invoice-new').click()
    const form = page.getByTestId('invoice-form')
    await choose(page, form.getByTestId('invoice-supplier'), order.supplier)
    await choose(page, form.getByTestId('invoice-order'), order.number)
    // Filled in from the order: what was received, at the order's price.
    const line = form.locator(`[data-item="${order.code}"]`)
    await expect(line).toHaveCount(1)
    await expect(line.locator('[data-test^=inv-line-packs-] input')).toHaveValue(String(order.packs))
    const price = await line.locator('input[data-test^=inv-line-price-]').inputValue()
    expect(price).toMatch(/^\d+\.\d{2}$/)
    const invoiceNumber = `FP${Date.now()}`
    await form.locator('input[name=number]').fill(invoiceNumber)
    await settled(page)
    await shot(page, 'invoice-form')
    await page.getByTestId('invoice-save').click()

    await expect(page).toHaveURL(/\/invoices\/[^/]+$/)
    await expect(page.getByTestId('invoice-number')).toHaveText(invoiceNumber)
    await expect(page.getByTestId('invoice-status')).toHaveAttribute('data-status', 'ENTERED')
    await expect(page.getByTestId('invoice-approve')).toHaveCount(0)
    await page.getByTestId('invoice-match').click()
    await expect(page.getByTestId('match-result')).toHaveAttribute('data-result', 'MATCHED')
    await expect(page.getByTestId('match-result')).toHaveCSS('color', 'rgb(14, 122, 60)')
    await expect(page.getByTestId('invoice-status')).toHaveText('匹配一致')
    await expect(page.getByTestId('difference')).toHaveCount(0)
    await shot(page, 'invoice-matched')
    await page.getByTestId('invoice-approve').click()
    await expect(page.getByTestId('invoice-status')).toHaveAttribute('data-status', 'APPROVED')
    const total = (await page.getByTestId('invoice-total').textContent())!.trim()

    // Payables: the approved amount waits under the supplier.
    await page.getByTestId('menu-payables').click()
    const row = page.locator(`[data-test=payable-row][data-supplier="${order.supplier}"]`)
    await expect(row.getByTestId('payable-approved')).toHaveText(total)
    await expect(row.getByTestId('payable-overdue')).toHaveText('—')
    await expect(page.getByTestId('payables-totals')).toBeVisible()
    await quiet(page)
    await shot(page, 'payables')
    const workbook = await page.request.get((await page.getByTestId('payables-export').getAttribute('href'))!)
    expect(workbook.status()).toBe(200)
    expect(workbook.headers()['content-type']).toContain('spreadsheetml')

    await row.getByTestId('payable-pay').click()
    const pay = page.getByTestId('payment-form')
    await expect(pay.locator(`[data-number="${invoiceNumber}"] input`)).toBeChecked()
    await expect(pay.getByTestId('payment-amount')).toHaveValue(total.replaceAll(',', ''))
    // The amount must equal the invoices': said on its field.
    await pay.getByTestId('payment-amount').fill('1.00')
    await pay.getByTestId('payment-reference').fill(`BANK-${invoiceNumber}`)
    await page.getByTestId('payment-save').click()
    await expect(pay.locator('.el-form-item', { has: page.getByTestId('payment-amount') }).locator('.el-form-item__error')).toContainText('须等于')
    await pay.getByTestId('payment-amount').fill(total.replaceAll(',', ''))
    await settled(page)
    await quiet(page)
    await shot(page, 'payment-dialog')
    await page.getByTestId('payment-save').click()
    await expect(page.getByTestId('payment-form')).toBeHidden()
    await expect(page.locator(`[data-test=payment-row][data-reference="BANK-${invoiceNumber}"]`)).toContainText(total)
    await expect(page.locator(`[data-test=payment-row][data-reference="BANK-${invoiceNumber}"]`)).toContainText(invoiceNumber)
    // Nothing approved is owed to it any more (the row goes once nothing is).
    await expect(page.locator(`[data-test=payable-row][data-supplier="${order.supplier}"]:not([data-approved="0"])`)).toHaveCount(0)
    await quiet(page)
    await shot(page, 'payables-paid')

    // The invoice is paid; the list says so.
    await page.getByTestId('menu-invoices').click()
    await expect(page.locator(`[data-test=invoice-row][data-number="${invoiceNumber}"]`).getByTestId('invoice-status')).toHaveAttribute('data-status', 'PAID')
    await quiet(page)
    await shot(page, 'invoices')

    const { context, page: upright } = await tablet(browser, 'buyer')
    await upright.getByTestId('menu-payables').click()
    await expect(upright.getByTestId('payment-row').first()).toBeVisible()
    await noSidewaysScroll(upright)
    await shot(upright, 'payables-tablet')
    await upright.getByTestId('menu-invoices').click()
    await expect(upright.getByTestId('invoice-row').first()).toBeVisible()
    await noSidewaysScroll(upright)
    await shot(upright, 'invoices-tablet')
    await upright.locator(`[data-test=invoice-row][data-number="${invoiceNumber}"]`).click()
    await expect(upright.getByTestId('invoice-status')).toHaveAttribute('data-status', 'PAID')
    await noSidewaysScroll(upright)
    await shot(upright, 'invoice-tablet')
    await context.close()
  })
})

test('an invoice at another price than the order is a mismatch: the PRICE difference is marked on its line, and it cannot be approved', async ({ page, baseURL }) => {
  const { partial } = await seededOrders(baseURL!)
  await signIn(page, 'buyer')
  await page.goto('/invoices')
  await page.getByTestId('invoice-new').click()
  const form = page.getByTestId('invoice-form')
  await choose(page, form.getByTestId('invoice-supplier'), '华东医药示范配送有限公司')
  await choose(page, form.getByTestId('invoice-order'), partial.number)
  const line = form.locator('[data-item="YP0002"]')
  await expect(line).toHaveCount(1)
  const ordered = await line.locator('input[data-test^=inv-line-price-]').inputValue()
  const raised = (Number(ordered) + 0.5).toFixed(2)
  await line.locator('input[data-test^=inv-line-price-]').fill(raised)
  const packs = Number(await line.locator('[data-test^=inv-line-packs-] input').inputValue())
  // The amount follows packs × price.
  await expect(line.locator('input[data-test^=inv-line-amount-]')).toHaveValue(((Math.round(Number(raised) * 100) * packs) / 100).toFixed(2))
  await form.locator('input[name=number]').fill(`FPX${Date.now()}`)
  await page.getByTestId('invoice-save').click()

  await expect(page).toHaveURL(/\/invoices\/[^/]+$/)
  await page.getByTestId('invoice-match').click()
  await expect(page.getByTestId('match-result')).toHaveAttribute('data-result', 'MISMATCHED')
  await expect(page.getByTestId('invoice-status')).toHaveText('匹配不一致')
  const row = page.locator('[data-test=invoice-line][data-item="YP0002"]')
  await expect(row).toHaveAttribute('data-diffs', 'PRICE')
  await expect(row.getByTestId('cell-PRICE')).toHaveClass(/diff/)
  await expect(row.getByTestId('cell-QUANTITY')).not.toHaveClass(/diff/)
  await expect(row.getByTestId('difference')).toContainText(`订单价 ¥${ordered}，发票 ¥${raised}`)
  await expect(page.getByTestId('invoice-approve')).toHaveCount(0)
  await shot(page, 'invoice-mismatch')
})

test('a village pharmacist sees their own suggestion and account; the centre picks the member and downloads every account', async ({ page, browser }) => {
  // 桥头村 (vc0302): the demo county ships to 南坪村 and 石桥镇, and the
  // distribution tests to 东岭村, on the same server; nothing goes here, so
  // its account is empty.
  await signIn(page, 'pharmacist.vc0302')
  await page.getByTestId('menu-replenishment').click()
  await expect(page.getByTestId('replenishment-line').first()).toBeVisible()
  await expect(page.getByTestId('replenishment-institution')).toHaveCount(0)
  await expect(page.getByTestId('replenishment-table')).toContainText('月均用量')
  await shot(page, 'replenishment')
  await page.getByTestId('menu-statements').click()
  await expect(page.getByTestId('statement-closing')).toHaveText('0.00')
  // No shipments yet: the screen says why it is empty.
  await expect(page.getByTestId('statement-empty')).toContainText('本期没有发出或退回记录')
  await expect(page.getByTestId('statements-export')).toHaveCount(0)
  await shot(page, 'statement')

  const { context, page: upright } = await tablet(browser, 'buyer')
  await upright.getByTestId('menu-replenishment').click()
  await choose(upright, upright.getByTestId('replenishment-institution'), '石桥镇桥头村卫生室')
  await expect(upright.getByTestId('replenishment-line').first()).toBeVisible()
  await noSidewaysScroll(upright)
  await shot(upright, 'replenishment-tablet')
  await upright.getByTestId('menu-statements').click()
  await choose(upright, upright.getByTestId('statement-institution'), '石桥镇桥头村卫生室')
  await expect(upright.getByTestId('statement-empty')).toBeVisible()
  const href = (await upright.getByTestId('statements-export').getAttribute('href'))!
  expect(href).toMatch(/^\/exports\/member-statements\.xlsx\?from=\d{4}-\d{2}-01&to=\d{4}-\d{2}-\d{2}$/)
  const workbook = await upright.request.get(href)
  expect(workbook.status()).toBe(200)
  expect(workbook.headers()['content-type']).toContain('spreadsheetml')
  await noSidewaysScroll(upright)
  await shot(upright, 'statement-tablet')
  await context.close()
})

test('a buyer writes an order by hand; a blank price is the agreement\'s', async ({ page }) => {
  await signIn(page, 'buyer')
  await page.getByTestId('menu-orders').click()
  await expect(page.getByTestId('order-table').locator('tbody tr').first()).toBeVisible()
  await shot(page, 'orders')

  await page.getByTestId('order-new').click()
  const form = page.getByTestId('order-form')
  await pickOption(page, form.getByTestId('order-supplier'), '', SUPPLIER)
  await pickOption(page, form.getByTestId('line-item-0'), 'YP0001', /YP0001/)
  await form.getByTestId('line-packs-0').locator('input').fill('3')
  await form.getByTestId('line-add').click()
  await pickOption(page, form.getByTestId('line-item-1'), 'YP0003', /YP0003/)
  await form.getByTestId('line-packs-1').locator('input').fill('2')
  // A blank price is the agreement's, which the field offers as its hint.
  await expect(form.getByTestId('line-price-0')).toHaveAttribute('placeholder', /协议价 \d/)
  await form.getByTestId('line-price-1').click()
  await shot(page, 'order-new')
  await page.getByTestId('order-save').click()

  await expect(page).toHaveURL(/\/orders\/[^/]+$/)
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'DRAFT')
  await expect(page.getByTestId('order-lines').locator('tbody tr')).toHaveCount(2)
  await expect(page.getByTestId('order-supplier-name')).toHaveText(SUPPLIER)
  await expect(page.getByTestId('line-agreed')).toHaveCount(2)
  await shot(page, 'order-draft')
  // Plan exports download with the session cookie.
  const workbook = await page.request.get('/exports/procurement-plan.xlsx')
  expect(workbook.status()).toBe(200)
  await page.getByTestId('order-cancel').click()
  await page.locator('.el-message-box input').fill('测试完毕')
  await page.locator('.el-message-box').getByRole('button', { name: '取消订单' }).click()
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'CANCELLED')
})

test('receiving on a tablet upright, and a scan made offline is posted once when the network is back', async ({ browser, baseURL }) => {
  const { partial } = await seededOrders(baseURL!)
  const { context, page } = await tablet(browser, 'warehouse')
  await page.getByTestId('menu-receive').click()
  await expect(page.getByTestId('receivable-orders')).toBeVisible()
  await noSidewaysScroll(page)
  await shot(page, 'receiving-pick-tablet')
  // The order by its number, typed as a scanner would send it.
  await wedge(page, partial.number)
  await expect(page.getByTestId('receiving-order')).toHaveText(partial.number)
  const line = page.getByTestId('receiving-progress').locator('tr[data-item="YP0005"]')
  const before = Number(await line.getAttribute('data-received'))

  const pack = await delivered(baseURL!, 'YP0005', lot('OFF'))
  await context.setOffline(true)
  await wedge(page, gs1(pack))
  await expect(page.getByTestId('receive-pending')).toBeVisible()
  await expect(page.getByTestId('network-banner')).toHaveAttribute('data-pending', '1')
  await expect(line).toContainText('待提交 1')
  await noSidewaysScroll(page)
  await shot(page, 'receiving-offline-tablet')

  await context.setOffline(false)
  await expect(page.getByTestId('network-banner')).toHaveAttribute('data-pending', '0', { timeout: 20_000 })
  await expect(line).toHaveAttribute('data-received', String(before + 1))
  await expect(page.getByTestId('receive-history').locator('tr[data-state=done]')).toHaveCount(1)
  await expect(page.getByTestId('receive-current')).toHaveClass(/ok/)
  await noSidewaysScroll(page)
  await shot(page, 'receiving-tablet')
  // Posted once: the server's count agrees after a reload.
  await page.reload()
  await expect(page.getByTestId('receiving-progress').locator('tr[data-item="YP0005"]')).toHaveAttribute('data-received', String(before + 1))
  await context.close()
})

test('a short-dated lot is refused until a buyer gives the reason', async ({ page, baseURL }) => {
  const { waiting } = await seededOrders(baseURL!)
  await signIn(page, 'buyer')
  await page.goto(`/receive?order=${waiting.id}`)
  await expect(page.getByTestId('receiving-order')).toHaveText(waiting.number)
  const pack = await delivered(baseURL!, 'YP0004', lot('SD'), 90)
  await wedge(page, gs1(pack))
  await expect(page.getByTestId('short-dated-refusal')).toContainText('最短效期')
  await expect(page.getByTestId('short-dated-reason')).toBeFocused()
  await shot(page, 'receiving-short-dated')
  await page.getByTestId('short-dated-reason').fill('临床急需，供应商无其他批次')
  await page.getByTestId('short-dated-accept').click()
  await expect(page.getByTestId('receive-current')).toHaveClass(/warning/)
  await expect(page.getByTestId('warning-NEAR_EXPIRY')).toBeVisible()
  await expect(page.getByTestId('receive-current')).toContainText('临床急需')
  await expect(page.getByTestId('receiving-progress').locator('tr[data-item="YP0004"]')).toHaveAttribute('data-received', '1')
})

test('suppliers: licences near their end are flagged, a wrong credit code is refused on its field', async ({ page, browser }) => {
  await signIn(page, 'buyer')
  await page.getByTestId('menu-suppliers').click()
  const soon = page.locator('tr[data-supplier="县域医疗器械供应站"]').getByTestId('licence-left')
  await expect(soon).toHaveClass(/warn/)
  await expect(soon).toHaveCSS('color', 'rgb(183, 110, 0)')
  await shot(page, 'suppliers')

  await page.getByTestId('supplier-new').click()
  const form = page.getByTestId('supplier-form')
  const good = uscc('91330100MA2E2ET01')
  const wrong = good.slice(0, 17) + (good.endsWith('0') ? '1' : '0')
  await form.locator('input[name=name]').fill('测试医药配送有限公司')
  await form.locator('input[name=uscc]').fill(wrong)
  await form.locator('input[name=licenceNumber]').fill('浙AA5799999')
  await form.locator('input[name=licenceExpiry]').fill(inDays(365))
  await form.locator('input[name=licenceExpiry]').press('Enter')
  await page.getByTestId('supplier-save').click()
  const error = form.locator('.el-form-item', { has: page.locator('input[name=uscc]') }).locator('.el-form-item__error')
  await expect(error).toContainText('校验位')
  await settled(page)
  await shot(page, 'supplier-form')
  await form.locator('input[name=uscc]').fill(good)
  await page.getByTestId('supplier-save').click()
  const row = page.locator('tr[data-supplier="测试医药配送有限公司"]')
  await expect(row).toHaveAttribute('data-status', 'ACTIVE')
  await row.getByTestId('supplier-toggle').click()
  await page.locator('.el-message-box').getByRole('button', { name: '停用' }).click()
  await expect(row).toHaveAttribute('data-status', 'INACTIVE')

  // The warehouse reads suppliers but does not keep them. (Not the
  // auditor: app.spec changes the auditor's password.)
  const { context, page: upright } = await tablet(browser, 'warehouse')
  await upright.getByTestId('menu-suppliers').click()
  await expect(upright.locator('tr[data-supplier]').first()).toBeVisible()
  await expect(upright.getByTestId('supplier-new')).toHaveCount(0)
  await noSidewaysScroll(upright)
  await shot(upright, 'suppliers-tablet')
  await upright.getByTestId('menu-orders').click()
  await expect(upright.getByTestId('order-table').locator('tbody tr').first()).toBeVisible()
  await noSidewaysScroll(upright)
  await shot(upright, 'orders-tablet')
  await context.close()
})

test('price agreements: 集采 completion, and an agreement ended early', async ({ page, browser }) => {
  await signIn(page, 'buyer')
  await page.getByTestId('menu-agreements').click()
  await expect(page.getByTestId('vbp-completion').first()).toContainText('%')
  await shot(page, 'agreements')

  await page.getByTestId('agreement-new').click()
  const form = page.getByTestId('agreement-form')
  await pickOption(page, form.getByTestId('agreement-supplier'), '', '县域医疗器械供应站')
  await pickOption(page, form.getByTestId('agreement-item'), 'YP0001', /YP0001/)
  await form.locator('input[name=price]').fill('12.345')
  await page.getByTestId('agreement-save').click()
  await expect(form.locator('.el-form-item__error')).toContainText('两位小数')
  await settled(page)
  await shot(page, 'agreement-form')
  await form.locator('input[name=price]').fill('18.60')
  await page.getByTestId('agreement-save').click()
  const row = page.locator('tr[data-item="YP0001"][data-supplier="县域医疗器械供应站"]')
  await expect(row).toContainText('18.60')
  await row.getByTestId('agreement-end').click()
  await page.getByTestId('agreement-end-confirm').click()
  await expect(row).toContainText(`至 ${inDays(0)}`)

  const { context, page: upright } = await tablet(browser, 'buyer')
  await upright.getByTestId('menu-agreements').click()
  await expect(upright.getByTestId('vbp-completion').first()).toBeVisible()
  await noSidewaysScroll(upright)
  await shot(upright, 'agreements-tablet')
  await context.close()
})

test('a pack without a GS1 code is typed in from its box, and the bench reads in English too', async ({ page, baseURL }) => {
  const { waiting } = await seededOrders(baseURL!)
  await signIn(page, 'warehouse')
  await page.goto(`/receive?order=${waiting.id}`)
  await expect(page.getByTestId('receiving-order')).toHaveText(waiting.number)
  const line = page.getByTestId('receiving-progress').locator('tr[data-item="YP0007"]')
  const before = Number(await line.getAttribute('data-received'))

  await page.getByTestId('receive-by-hand').click()
  const form = page.getByTestId('hand-form')
  await pickOption(page, form.getByTestId('hand-line'), '', /YP0007/)
  await form.locator('input[name=lotNumber]').fill(lot('HD'))
  await form.locator('input[name=expiryDate]').fill(inDays(700))
  await form.locator('input[name=expiryDate]').press('Enter')
  await form.locator('.el-input-number input').first().fill('3')
  await form.locator('input[name=lotNumber]').click()
  await settled(page)
  await shot(page, 'receiving-by-hand')
  await page.getByTestId('hand-submit').click()
  await expect(page.getByTestId('hand-submit')).toBeHidden()
  await expect(line).toHaveAttribute('data-received', String(before + 3))
  await expect(page.getByTestId('receipt-done')).toContainText('已收 3 盒')

  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByTestId('receipt-done')).toContainText('Received 3')
  await shot(page, 'receiving-en')
  await page.goto(`/orders/${waiting.id}`)
  await expect(page.getByTestId('order-status')).toHaveText('Partly received')
  await shot(page, 'order-en')
  await page.getByRole('button', { name: '中文' }).click()
})
