// The app's pages. Each names the roles that may open it (none: every
// signed-in user); the menu shows only what the user may open, and a page
// opened directly without the role shows 403. Later issues add their pages
// here (receiving, requisitions, dispensing, recall).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Role } from '@gql/graphql'
import type { MessageKey } from '@/i18n'
import { hasRole, refresh, session } from '@/api/session'

declare module 'vue-router' {
  interface RouteMeta {
    title?: MessageKey
    roles?: Role[]
    public?: boolean
    menu?: boolean
  }
}

export const pages: RouteRecordRaw[] = [
  {
    path: '/scan',
    component: () => import('@/views/ScanStation.vue'),
    meta: { title: 'nav.scan', roles: ['PHARMACIST', 'WAREHOUSE'], menu: true },
  },
  {
    path: '/stock',
    component: () => import('@/views/StockList.vue'),
    meta: { title: 'nav.stock', roles: ['PHARMACIST', 'WAREHOUSE', 'ADMIN', 'AUDITOR', 'BUYER'], menu: true },
  },
  {
    path: '/stock/:institutionId/:batchId',
    component: () => import('@/views/StockCard.vue'),
    meta: { title: 'stock.card', roles: ['PHARMACIST', 'WAREHOUSE', 'ADMIN', 'AUDITOR', 'BUYER'] },
  },
  {
    path: '/check',
    component: () => import('@/views/StockCheck.vue'),
    meta: { title: 'nav.stockCheck', menu: true },
  },
  {
    path: '/catalogue',
    component: () => import('@/views/CatalogueDesk.vue'),
    meta: { title: 'nav.catalogue', menu: true },
  },
  {
    path: '/catalogue/:id',
    component: () => import('@/views/ItemPage.vue'),
    meta: { title: 'nav.catalogue' },
  },
  {
    path: '/users',
    component: () => import('@/views/UserAdmin.vue'),
    meta: { title: 'nav.users', roles: ['ADMIN'], menu: true },
  },
  {
    path: '/password',
    component: () => import('@/views/ChangePassword.vue'),
    meta: { title: 'nav.password' },
  },
]

const routes: RouteRecordRaw[] = [
  { path: '/sign-in', component: () => import('@/views/SignIn.vue'), meta: { public: true } },
  { path: '/', redirect: () => home() },
  ...pages,
  { path: '/:rest(.*)*', component: () => import('@/views/NotFound.vue'), meta: { public: true } },
]

/** Where a user starts: the page of their main job. */
export function home(): string {
  if (hasRole('PHARMACIST', 'WAREHOUSE')) return '/scan'
  if (hasRole('BUYER')) return '/catalogue'
  if (hasRole('ADMIN')) return '/users'
  if (hasRole('AUDITOR')) return '/stock'
  return '/check'
}

export function mayOpen(roles: Role[] | undefined): boolean {
  return !roles || hasRole(...roles)
}

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.checked) await refresh().catch(() => null)
  if (!session.me) return { path: '/sign-in', query: { next: to.fullPath } }
  return true
})
