// The app's pages. Each names the roles that may open it (none: every
// signed-in user); the menu shows only what the user may open, and a page
// opened directly without the role shows 403. Later issues add their pages
// here (dispensing, recall).
import { createRouter, createWebHistory, type RouteMeta, type RouteRecordRaw } from 'vue-router'
import type { Role } from '@gql/graphql'
import type { MessageKey } from '@/i18n'
import { atCentre, hasRole, refresh, session } from '@/api/session'

declare module 'vue-router' {
  interface RouteMeta {
    title?: MessageKey
    roles?: Role[]
    /** Of `roles`, those that count only at the logistics centre (a
     * county hospital's warehouse does not buy for the community). */
    centre?: Role[]
    public?: boolean
    menu?: boolean
  }
}

/** Who runs procurement, and who reads it (docs/procurement.md). */
const CENTRE_STAFF: Role[] = ['BUYER', 'ADMIN', 'WAREHOUSE']
const PROCUREMENT_READ: Role[] = [...CENTRE_STAFF, 'AUDITOR']
/** Who buys and pays at the centre, and who reads what they do. */
const BUYING: Role[] = ['BUYER', 'ADMIN']
const BUYING_READ: Role[] = [...BUYING, 'AUDITOR']
/** Who reads an institution's own figures (suggestions, account): its
 * pharmacist, and the centre's staff and auditors for any member. */
const MEMBER_FIGURES: Role[] = ['PHARMACIST', ...CENTRE_STAFF, 'AUDITOR']

export const pages: RouteRecordRaw[] = [
  {
    path: '/scan',
    component: () => import('@/views/ScanStation.vue'),
    meta: { title: 'nav.scan', roles: ['PHARMACIST', 'WAREHOUSE'], menu: true },
  },
  {
    path: '/receive',
    component: () => import('@/views/ReceivingStation.vue'),
    meta: { title: 'nav.receive', roles: CENTRE_STAFF, centre: CENTRE_STAFF, menu: true },
  },
  {
    path: '/receive-shipment',
    component: () => import('@/views/ShipmentReceiving.vue'),
    meta: { title: 'nav.receiveShipment', roles: ['PHARMACIST', 'WAREHOUSE'], menu: true },
  },
  {
    path: '/requisitions',
    component: () => import('@/views/Requisitions.vue'),
    meta: { title: 'nav.requisitions', roles: ['PHARMACIST'], menu: true },
  },
  {
    path: '/requisitions/new',
    component: () => import('@/views/RequisitionNew.vue'),
    meta: { title: 'req.new', roles: ['PHARMACIST'] },
  },
  {
    path: '/requisitions/:id',
    component: () => import('@/views/RequisitionPage.vue'),
    meta: { title: 'nav.requisitions', roles: MEMBER_FIGURES },
  },
  {
    path: '/distribution',
    component: () => import('@/views/DistributionQueue.vue'),
    meta: { title: 'nav.distribution', roles: CENTRE_STAFF, centre: CENTRE_STAFF, menu: true },
  },
  {
    path: '/runs',
    component: () => import('@/views/DeliveryRuns.vue'),
    meta: { title: 'nav.runs', roles: ['WAREHOUSE', 'ADMIN'], centre: ['WAREHOUSE', 'ADMIN'], menu: true },
  },
  {
    path: '/runs/:id',
    component: () => import('@/views/DeliveryRunPage.vue'),
    meta: { title: 'nav.runs', roles: ['WAREHOUSE', 'ADMIN'], centre: ['WAREHOUSE', 'ADMIN'] },
  },
  {
    path: '/runs/:id/pick-list',
    component: () => import('@/views/PickList.vue'),
    meta: { title: 'pick.title', roles: ['WAREHOUSE', 'ADMIN'], centre: ['WAREHOUSE', 'ADMIN'] },
  },
  {
    path: '/runs/:id/labels',
    component: () => import('@/views/RunLabels.vue'),
    meta: { title: 'run.labels', roles: ['WAREHOUSE', 'ADMIN'], centre: ['WAREHOUSE', 'ADMIN'] },
  },
  {
    // Anyone who may read the shipment (the server decides): the centre's
    // warehouse prints it, the receiving clinic may print its copy.
    path: '/shipments/:id/note',
    component: () => import('@/views/DeliveryNote.vue'),
    meta: { title: 'run.deliveryNote' },
  },
  {
    path: '/transfers',
    component: () => import('@/views/Transfers.vue'),
    meta: { title: 'nav.transfers', roles: ['WAREHOUSE', 'ADMIN'], centre: ['WAREHOUSE', 'ADMIN'], menu: true },
  },
  {
    path: '/returns',
    component: () => import('@/views/Returns.vue'),
    meta: { title: 'nav.returns', roles: ['PHARMACIST'], menu: true },
  },
  {
    path: '/stock',
    component: () => import('@/views/StockList.vue'),
    meta: { title: 'nav.stock', roles: ['PHARMACIST', 'WAREHOUSE', 'ADMIN', 'AUDITOR', 'BUYER'], menu: true },
  },
  {
    path: '/replenishment',
    component: () => import('@/views/ReplenishmentSuggestion.vue'),
    meta: { title: 'nav.replenishment', roles: MEMBER_FIGURES, menu: true },
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
    path: '/plan',
    component: () => import('@/views/ProcurementPlan.vue'),
    meta: { title: 'nav.plan', roles: BUYING_READ, centre: BUYING, menu: true },
  },
  {
    path: '/orders',
    component: () => import('@/views/PurchaseOrders.vue'),
    meta: { title: 'nav.orders', roles: PROCUREMENT_READ, centre: CENTRE_STAFF, menu: true },
  },
  {
    path: '/orders/:id',
    component: () => import('@/views/PurchaseOrderPage.vue'),
    meta: { title: 'nav.orders', roles: PROCUREMENT_READ, centre: CENTRE_STAFF },
  },
  {
    path: '/agreements',
    component: () => import('@/views/PriceAgreements.vue'),
    meta: { title: 'nav.agreements', roles: PROCUREMENT_READ, centre: CENTRE_STAFF, menu: true },
  },
  {
    path: '/suppliers',
    component: () => import('@/views/SupplierList.vue'),
    meta: { title: 'nav.suppliers', roles: PROCUREMENT_READ, centre: CENTRE_STAFF, menu: true },
  },
  {
    path: '/invoices',
    component: () => import('@/views/InvoiceList.vue'),
    meta: { title: 'nav.invoices', roles: BUYING_READ, centre: BUYING, menu: true },
  },
  {
    path: '/invoices/:id',
    component: () => import('@/views/InvoicePage.vue'),
    meta: { title: 'nav.invoices', roles: BUYING_READ, centre: BUYING },
  },
  {
    path: '/payables',
    component: () => import('@/views/Payables.vue'),
    meta: { title: 'nav.payables', roles: BUYING_READ, centre: BUYING, menu: true },
  },
  {
    path: '/statements',
    component: () => import('@/views/MemberStatement.vue'),
    meta: { title: 'nav.statements', roles: MEMBER_FIGURES, menu: true },
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

export function mayOpen(meta: Partial<Pick<RouteMeta, 'roles' | 'centre'>> = {}): boolean {
  const { roles, centre } = meta
  if (!roles) return true
  return roles.some((r) => hasRole(r) && (!centre?.includes(r) || atCentre()))
}

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.checked) await refresh().catch(() => null)
  if (!session.me) return { path: '/sign-in', query: { next: to.fullPath } }
  return true
})
