import { expect, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PASSWORD = 'e2e-demo-password'
export const GS = '\u001d'
const here = dirname(fileURLToPath(import.meta.url))
const SHOTS = resolve(here, '../../target/screenshots')

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

export async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.goto('/sign-in')
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByTestId('who')).toBeVisible()
}

/** The API as a scanner or script would use it: a bearer token. */
export async function api(baseURL: string, username: string) {
  const login = await fetch(`${baseURL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token user { institution { id } } } }',
      variables: { u: username, p: PASSWORD },
    }),
  }).then((r) => r.json())
  const token: string = login.data.login.token
  const institutionId: string = login.data.login.user.institution.id
  async function gql(query: string, variables: Record<string, unknown> = {}) {
    const body = await fetch(`${baseURL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }).then((r) => r.json())
    if (body.errors) throw new Error(JSON.stringify(body.errors))
    return body.data
  }
  return { token, institutionId, gql }
}

export interface Pack {
  gtin: string
  lot: string
  expiry: string
  batchId: string
  itemCode: string
  genericName: string
}

/** A pack of `itemCode` held at the user's institution, as its label reads. */
export async function packOf(baseURL: string, username: string, itemCode: string, lot?: string): Promise<Pack> {
  const { gql, institutionId } = await api(baseURL, username)
  const data = await gql(
    `query($i: ID!, $s: String) { stock(institutionId: $i, search: $s, inStockOnly: true, first: 20) {
       nodes { batch { id lotNumber expiryDate } item { code genericName gtins } } } }`,
    { i: institutionId, s: itemCode },
  )
  const nodes = data.stock.nodes as { batch: { id: string; lotNumber: string; expiryDate: string }; item: { code: string; genericName: string; gtins: string[] } }[]
  // The business day (UTC+8), as the server judges expiry.
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)
  // Without a lot: a pack that may be used (FEFO lists the expired first).
  const node = nodes.find(
    (n) => n.item.code === itemCode && (lot ? n.batch.lotNumber === lot : n.batch.expiryDate > today),
  )
  if (!node) throw new Error(`no ${itemCode} ${lot ?? ''} at ${username}`)
  return {
    gtin: node.item.gtins[0]!,
    lot: node.batch.lotNumber,
    expiry: node.batch.expiryDate,
    batchId: node.batch.id,
    itemCode,
    genericName: node.item.genericName,
  }
}

/** The GS1 element string on the pack's DataMatrix, as a scanner sends it. */
export function gs1(p: Pack, serial?: string): string {
  const yymmdd = p.expiry.slice(2).replaceAll('-', '')
  const s = `01${p.gtin}17${yymmdd}10${p.lot}`
  return serial ? `${s}${GS}21${serial}` : s
}

/** Types like a keyboard-wedge scanner: 5 ms between keys, then Enter.
 * The group separator arrives as Ctrl+], as wedge scanners send it. */
export async function wedge(page: Page, code: string, end: 'Enter' | 'Tab' = 'Enter') {
  const field = page.getByTestId('scan-field')
  await expect(field).toBeFocused()
  // Each run between separators is typed by the driver itself, 5 ms a
  // key, as a scanner bursts it (one round trip per key would be slower
  // than any scanner).
  const parts = code.split(GS)
  for (const [i, part] of parts.entries()) {
    if (i > 0) await page.keyboard.press('Control+BracketRight', { delay: 5 })
    await page.keyboard.type(part, { delay: 5 })
  }
  await page.keyboard.press(end)
}
