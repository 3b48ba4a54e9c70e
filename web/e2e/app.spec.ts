import { expect, test, type Page } from '@playwright/test'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, gs1, packOf, PASSWORD, shot, signIn, wedge } from './helpers'

const PROCUREMENT = ['orders', 'agreements', 'suppliers']
const BUYING = ['plan', ...PROCUREMENT, 'invoices', 'payables']
const MENUS: Record<string, string[]> = {
  'pharmacist.vc0101': ['scan', 'receive-shipment', 'requisitions', 'returns', 'stock', 'replenishment', 'check', 'catalogue', 'statements'],
  warehouse: ['scan', 'receive', 'receive-shipment', 'distribution', 'runs', 'transfers', 'stock', 'replenishment', 'check', 'catalogue', ...PROCUREMENT, 'statements'],
  doctor: ['check', 'catalogue'],
  buyer: ['receive', 'distribution', 'stock', 'replenishment', 'check', 'catalogue', ...BUYING, 'statements'],
  admin: ['receive', 'distribution', 'runs', 'transfers', 'stock', 'replenishment', 'check', 'catalogue', ...BUYING, 'statements', 'users'],
  auditor: ['stock', 'replenishment', 'check', 'catalogue', ...BUYING, 'statements'],
}

async function menu(page: Page): Promise<string[]> {
  const items = await page.getByTestId('menu').locator('[data-test^="menu-"]').all()
  return Promise.all(items.map(async (i) => (await i.getAttribute('data-test'))!.slice(5)))
}

test('each demo role signs in and sees only its own menus', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/sign-in/)
  await shot(page, 'sign-in')
  for (const [user, expected] of Object.entries(MENUS)) {
    await signIn(page, user)
    expect(await menu(page), user).toEqual(expected)
    await shot(page, `home-${user}`)
    await page.getByTestId('sign-out').click()
    await expect(page).toHaveURL(/\/sign-in/)
  }
  // A route the role may not open says so; the server refuses it too.
  await signIn(page, 'doctor')
  await page.goto('/users')
  await expect(page.getByTestId('forbidden')).toContainText('403')
  await shot(page, 'forbidden')
})

test('a wrong password is shown on the sign-in page in Chinese', async ({ page }) => {
  await signIn(page, 'doctor').catch(() => undefined)
  await page.getByTestId('sign-out').click()
  await page.locator('input[name=username]').fill('doctor')
  await page.locator('input[name=password]').fill('not-the-password')
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByTestId('sign-in-error')).toHaveText('用户名或密码错误')
})

test('a GS1 string typed as a wedge scanner types it shows the item, lot and expiry', async ({ page, baseURL }) => {
  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0001')
  expect(pack.lot).not.toBe('EXP2301X')
  await signIn(page, 'pharmacist.vc0101')
  await expect(page).toHaveURL(/\/scan/)
  await wedge(page, gs1(pack, 'SN0001'))
  const result = page.getByTestId('scan-result')
  await expect(result.getByTestId('result-name')).toContainText('阿莫西林胶囊')
  await expect(result.getByTestId('result-lot')).toHaveText(pack.lot)
  await expect(result.getByTestId('result-expiry')).toHaveText(pack.expiry)
  await expect(result.getByTestId('result-units')).toContainText('24')
  // The field is ready for the next scan, and Tab ends a scan too.
  await expect(page.getByTestId('scan-field')).toHaveValue('')
  await wedge(page, gs1(pack, 'SN0002'), 'Tab')
  await expect(page.getByTestId('scan-history').locator('tr[data-state=done]')).toHaveCount(2)
  await expect(page.getByTestId('scan-current')).toHaveClass(/ok|warning/)
  await shot(page, 'scan-station')
})

test('the scanning station works on a 10-inch tablet held upright, without sideways scrolling', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true })
  const page = await context.newPage()
  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0001')
  await signIn(page, 'pharmacist.vc0101')
  await wedge(page, gs1(pack))
  await expect(page.getByTestId('result-lot')).toHaveText(pack.lot)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await shot(page, 'scan-station-tablet')
  await context.close()
})

test('the expired batch at the village clinic shows red', async ({ page, baseURL }) => {
  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0001', 'EXP2301X')
  await signIn(page, 'pharmacist.vc0101')
  await wedge(page, gs1(pack))
  const warning = page.getByTestId('warning-EXPIRED')
  await expect(warning).toBeVisible()
  await expect(warning).toHaveAttribute('data-colour', 'red')
  await expect(warning).toHaveCSS('color', 'rgb(192, 20, 42)')
  await expect(page.getByTestId('scan-current')).toHaveClass(/refused/)
  await shot(page, 'scan-expired')
})

test('an adjustment made from a scan appears on the stock card', async ({ page, baseURL }) => {
  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0002')
  await signIn(page, 'pharmacist.vc0101')
  await wedge(page, gs1(pack))
  await expect(page.getByTestId('result-name')).toBeVisible()
  // The keyboard alone: F2 opens the adjustment, Enter posts it.
  await page.keyboard.press('F2')
  await expect(page.getByTestId('adjust-submit')).toBeVisible()
  await expect(page.locator('.el-dialog .el-input-number input')).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('adjustment-done')).toContainText('（-12 片）')
  await expect(page.getByTestId('adjustment-done')).toContainText('48')
  await page.getByTestId('menu-stock').click()
  await page.getByTestId('stock-search').fill('YP0002')
  await page.locator(`tr[data-lot="${pack.lot}"]`).click()
  await expect(page).toHaveURL(/\/stock\/[^/]+\/[^/]+$/)
  const last = page.getByTestId('stock-card').locator('tbody tr').last()
  await expect(last).toHaveAttribute('data-kind', 'ADJUSTMENT')
  await expect(last).toContainText('-12')
  await expect(last).toContainText('破损')
  await shot(page, 'stock-card')
  await page.goBack()
  await shot(page, 'stock')
})

test('a pharmacist puts an item on its shelf from the stock list by scanning the shelf label', async ({ page }) => {
  await signIn(page, 'pharmacist.vc0101')
  await page.getByTestId('menu-stock').click()
  await page.getByTestId('stock-search').fill('YP0002')
  // The item's own row, whether the filtered list has loaded yet or not.
  const itemRow = () => page.locator('[data-test=stock-table] tbody tr.row').filter({ hasText: 'YP0002' }).first()
  const row = itemRow()
  await expect(row.getByTestId('stock-location')).toContainText('—')
  await row.getByTestId('stock-set-location').click()
  const input = page.locator('.el-message-box input')
  await expect(input).toBeFocused()
  // The scanner types the label's code (here in lower case) and Enter.
  await page.keyboard.type('loc-vc-02', { delay: 5 })
  await page.keyboard.press('Enter')
  await expect(row.getByTestId('stock-location')).toContainText('LOC-VC-02')
  await expect(page.locator('.el-message-box')).toBeHidden()
  await shot(page, 'stock-shelf')
  // Kept: a fresh list reads it back; the stock card did not open.
  await expect(page).toHaveURL(/\/stock$/)
  await page.reload()
  await page.getByTestId('stock-search').fill('YP0002')
  await expect(itemRow().getByTestId('stock-location')).toContainText('LOC-VC-02')
  // Not a shelf code: refused with the rule, and nothing changes.
  await itemRow().getByTestId('stock-set-location').click()
  await page.locator('.el-message-box input').fill('shelf 3')
  await page.keyboard.press('Enter')
  await expect(page.locator('.el-message--error')).toContainText('LOC-')
  await expect(itemRow().getByTestId('stock-location')).toContainText('LOC-VC-02')
})

test('offline: five packs scanned and adjusted are posted exactly once when the network is back', async ({ page, context, baseURL }) => {
  const pack = await packOf(baseURL!, 'pharmacist.vc0101', 'YP0003')
  const { gql, institutionId } = await api(baseURL!, 'pharmacist.vc0101')
  const card = async () =>
    (
      await gql(`query($i: ID!, $b: ID!) { stockCard(institutionId: $i, batchId: $b, first: 200) { nodes { kind quantity } } }`, {
        i: institutionId,
        b: pack.batchId,
      })
    ).stockCard.nodes as { kind: string; quantity: number }[]
  const before = (await card()).length

  await signIn(page, 'pharmacist.vc0101')
  await context.setOffline(true)
  const history = page.getByTestId('scan-history').locator('tr')
  for (let n = 1; n <= 5; n++) {
    await wedge(page, gs1(pack, `OFF${n}`))
    await expect(history).toHaveCount(n)
    await expect(page.getByTestId('scan-pending')).toContainText(`OFF${n}`)
    await page.keyboard.press('F2')
    await page.getByTestId('adjust-submit').click()
    await expect(page.getByTestId('adjust-submit')).toBeHidden()
  }
  const banner = page.getByTestId('network-banner')
  await expect(banner).toHaveAttribute('data-online', 'false')
  await expect(banner).toHaveAttribute('data-pending', '10')
  await expect(page.getByTestId('adjustment-pending')).toHaveCount(5)
  await shot(page, 'scan-offline')
  // Nothing reached the server while offline.
  expect((await card()).length).toBe(before)

  await context.setOffline(false)
  await expect(banner).toHaveAttribute('data-pending', '0', { timeout: 20_000 })
  await expect(banner).toHaveAttribute('data-online', 'true')
  await expect(page.getByTestId('adjustment-done')).toHaveCount(5)
  const after = await card()
  expect(after.length - before).toBe(5)
  expect(after.slice(before).every((m) => m.kind === 'ADJUSTMENT' && m.quantity === -4)).toBe(true)
  // A reload replays nothing more.
  await page.reload()
  await expect(page.getByTestId('network-banner')).toHaveAttribute('data-pending', '0')
  await page.waitForTimeout(4000)
  expect((await card()).length - before).toBe(5)
})

test("a doctor's search by pinyin initials shows four levels and an alternative", async ({ page }) => {
  await signIn(page, 'doctor.th01')
  await expect(page).toHaveURL(/\/check/)
  await page.getByTestId('check-pickup').click()
  await page.getByRole('option', { name: '青山镇东岭村卫生室' }).click()
  await page.getByTestId('check-search').fill('amxl')
  const hit = page.getByTestId('check-hit').first()
  await expect(hit).toContainText('阿莫西林胶囊')
  const kinds = await hit.getByTestId('check-location').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
  expect(kinds).toEqual(['VILLAGE_CLINIC', 'TOWNSHIP_HEALTH_CENTRE', 'COUNTY_HOSPITAL', 'LOGISTICS_CENTRE'])
  await expect(hit.getByTestId('check-available').first()).toContainText('60')
  await expect(hit.getByTestId('check-alternative')).toContainText('0.5g')
  await expect(hit.getByTestId('check-allowed')).toContainText('本机构可用')
  await shot(page, 'stock-check')
})

test('a catalogue edit round trip, and an import dry run that reports the bad cell', async ({ page, baseURL }) => {
  await signIn(page, 'buyer')
  await expect(page).toHaveURL(/\/catalogue/)
  await page.getByTestId('catalogue-search').fill('YP0005')
  await page.locator('tr[data-code="YP0005"]').click()
  await expect(page.getByTestId('item-status')).toBeVisible()
  await page.getByTestId('item-edit').click()
  const maker = page.getByTestId('item-form').locator('input[name=manufacturer]')
  await maker.fill('示范制药有限公司')
  await page.getByTestId('item-save').click()
  await expect(page.getByTestId('item-maker')).toHaveText('示范制药有限公司')
  await expect(page.getByTestId('item-history').locator('tbody tr')).toHaveCount(2)
  await shot(page, 'catalogue-item')
  // A field error lands on its field.
  await page.getByTestId('item-edit').click()
  await page.getByTestId('item-form').locator('input[name=genericName]').fill('')
  await page.getByTestId('item-save').click()
  await expect(page.getByTestId('item-form').locator('.el-form-item__error').first()).toBeVisible()
  await page.getByRole('button', { name: '取消' }).click()

  // A new item: the missing name is refused on its field, then it saves.
  await page.goto('/catalogue')
  await page.getByTestId('item-new').click()
  const create = page.getByTestId('item-create-form')
  await create.locator('input[name=code]').fill('E2E0001')
  await create.locator('input[name=dosageForm]').fill('片剂')
  await create.locator('input[name=strength]').fill('10mg')
  await create.locator('input[name=baseUnit]').fill('片')
  await page.getByTestId('item-create').click()
  await expect(create.locator('.el-form-item__error').first()).toBeVisible()
  await create.locator('input[name=genericName]').fill('测试维生素片')
  await page.getByTestId('item-create').click()
  await expect(page.locator('h2')).toContainText('测试维生素片')

  // The export, with one GTIN's check digit broken, as a buyer's typo.
  const { gql } = await api(baseURL!, 'buyer')
  const gtin: string = (await gql('{ items(search: "YP0001") { nodes { gtins } } }')).items.nodes[0].gtins[0]
  const exported = await page.request.get('/exports/catalogue.xlsx')
  expect(exported.ok()).toBe(true)
  const dir = mkdtempSync(join(tmpdir(), 'yaolian-xlsx-'))
  const good = join(dir, 'export.xlsx')
  const bad = join(dir, 'catalogue-typo.xlsx')
  writeFileSync(good, await exported.body())
  const wrong = gtin.slice(0, -1) + String((Number(gtin.at(-1)) + 1) % 10)
  execFileSync('python3', ['-c', BREAK_CELL, good, bad, gtin, wrong])
  await page.goto('/catalogue')
  await page.getByTestId('import-file').setInputFiles(bad)
  const report = page.getByTestId('import-report')
  await expect(report.getByTestId('import-error').first()).toBeVisible()
  await expect(report.getByTestId('import-error').first()).toContainText(wrong)
  await expect(page.getByTestId('import-commit')).toHaveCount(0)
  await shot(page, 'catalogue-import')
})

/** Replaces one text in every XML part of an .xlsx (shared strings or
 * inline cells), keeping everything else byte for byte. */
const BREAK_CELL = `
import sys, zipfile
src, dst, old, new = sys.argv[1:5]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as out:
    hits = 0
    for info in z.infolist():
        data = z.read(info.filename)
        if info.filename.endswith('.xml') and old.encode() in data:
            hits += data.count(old.encode())
            data = data.replace(old.encode(), new.encode(), 1)
        out.writestr(info, data)
    assert hits > 0, 'the GTIN is not in the workbook'
`

test('an admin creates a user who signs in; deactivating them ends their open session', async ({ page, browser }) => {
  await signIn(page, 'admin')
  await page.getByTestId('menu-users').click()
  await page.getByTestId('user-new').click()
  const form = page.getByTestId('user-form')
  await form.locator('input[name=new-username]').fill('zhao.yaoshi')
  await form.locator('input[name=new-display-name]').fill('赵药师')
  await form.getByTestId('user-institution').click()
  await page.getByRole('option', { name: '青山镇南坪村卫生室' }).click()
  await form.getByText('药师').click()
  await form.locator('input[name=new-password]').fill('short')
  await page.getByTestId('user-save').click()
  await expect(form.locator('.el-form-item__error')).toContainText('至少 10 个字符')
  await form.locator('input[name=new-password]').fill('南坪村-药房-2026')
  await page.getByTestId('user-save').click()
  await expect(page.locator('tr[data-username="zhao.yaoshi"]')).toBeVisible()
  await shot(page, 'users')

  const other = await browser.newContext()
  const theirs = await other.newPage()
  await theirs.goto('/sign-in')
  await theirs.locator('input[name=username]').fill('zhao.yaoshi')
  await theirs.locator('input[name=password]').fill('南坪村-药房-2026')
  await theirs.getByRole('button', { name: '登录' }).click()
  await expect(theirs).toHaveURL(/\/scan/)

  await page.locator('tr[data-username="zhao.yaoshi"]').getByTestId('user-deactivate').click()
  await page.locator('.el-message-box input').fill('调离本院')
  await page.locator('.el-message-box').getByRole('button', { name: '停用' }).click()
  await expect(page.locator('tr[data-username="zhao.yaoshi"]')).toContainText('已停用')

  // Their next request is refused, and the app sends them to sign in.
  await theirs.getByTestId('menu-stock').click()
  await expect(theirs).toHaveURL(/\/sign-in\?.*expired=1/)
  await other.close()
})

test('everyone can change their own password', async ({ page }) => {
  await signIn(page, 'auditor')
  await page.goto('/password')
  await shot(page, 'password')
  const inputs = page.locator('input[type=password]')
  await inputs.nth(0).fill(PASSWORD)
  await inputs.nth(1).fill('审计-新密码-2026')
  await inputs.nth(2).fill('审计-新密码-2026')
  await page.getByRole('button', { name: '保存' }).click()
  await expect(page.getByText('密码已修改')).toBeVisible()
})
