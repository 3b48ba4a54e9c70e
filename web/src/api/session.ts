// Who is signed in, for the menus and the routes. The server stays the
// authority: this only decides what to show.
import { reactive } from 'vue'
import { graphql } from '@gql/gql'
import type { Role } from '@gql/graphql'
import { ApiError, post, request, toApiError } from './client'

const MeQuery = graphql(`
  query Me {
    me {
      id
      username
      displayName
      roles
      institution {
        id
        code
        name
        kind
        parent {
          id
        }
      }
    }
  }
`)

export type Me = Awaited<ReturnType<typeof loadMe>>

async function loadMe() {
  return (await request(MeQuery)).me
}

export const session = reactive<{ me: Me | null; checked: boolean }>({ me: null, checked: false })

/** Asks the server who the cookie belongs to (null: nobody). */
export async function refresh(): Promise<Me | null> {
  try {
    session.me = await loadMe()
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 'UNAUTHENTICATED')) throw e
    session.me = null
  }
  session.checked = true
  return session.me
}

export async function signIn(username: string, password: string): Promise<void> {
  const response = await post('/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!response.ok) {
    const body = await response.json().catch(() => ({}))
    const first = body?.errors?.[0]
    throw first ? toApiError(first) : new ApiError('INTERNAL', `HTTP ${response.status}`, '登录失败')
  }
  await refresh()
}

export async function signOut(): Promise<void> {
  try {
    await post('/session/logout', { method: 'POST' })
  } finally {
    session.me = null
  }
}

export function hasRole(...roles: Role[]): boolean {
  return !!session.me && session.me.roles.some((r) => roles.includes(r))
}

/** At the logistics centre, which works for every member. */
export function atCentre(): boolean {
  return session.me?.institution.kind === 'LOGISTICS_CENTRE'
}

/** Reads every member's figures (stock, suggestions, accounts): auditors,
 * and the centre's administrators, buyers and warehouse. */
export function seesWholeCommunity(): boolean {
  return hasRole('AUDITOR') || (atCentre() && hasRole('ADMIN', 'BUYER', 'WAREHOUSE'))
}
