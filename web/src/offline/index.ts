// The app's one offline queue and the online/offline state the banner shows.
import { reactive } from 'vue'
import { graphql } from '@gql/gql'
import type { AdjustStockInput, ReceivePurchaseOrderLineInput, ReceivePurchaseOrderScanInput, ReceiveShipmentScanInput, ShipmentScanMutation } from '@gql/graphql'
import { ApiError, NetworkError, request } from '@/api/client'
import type { Receipt } from '@/procurement/fragments'
import { IdbStore, OfflineQueue, type Entry } from './queue'

export const AdjustStock = graphql(`
  mutation AdjustStock($input: AdjustStockInput!) {
    adjustStock(input: $input) {
      id
      quantity
      balanceAfter
    }
  }
`)

export const ReceiveScan = graphql(`
  mutation ReceiveScan($input: ReceivePurchaseOrderScanInput!) {
    receivePurchaseOrderScan(input: $input) {
      ...ReceiptFields
    }
  }
`)

export const ReceiveLine = graphql(`
  mutation ReceiveLine($input: ReceivePurchaseOrderLineInput!) {
    receivePurchaseOrderLine(input: $input) {
      ...ReceiptFields
    }
  }
`)

/** A pack scanned at a member against a shipment from the centre. */
export const ShipmentScan = graphql(`
  mutation ShipmentScan($input: ReceiveShipmentScanInput!) {
    receiveShipmentScan(input: $input) {
      expected
      scanned
      line {
        id
      }
      shipment {
        ...ShipmentFields
      }
    }
  }
`)

export const ResolveBarcode = graphql(`
  query ResolveBarcode($raw: String!, $institutionId: ID) {
    resolveBarcode(raw: $raw, institutionId: $institutionId) {
      kind
      gtin
      lotNumber
      expiryDate
      serial
      traceCode
      documentNumber
      locationCode
      packageLevel
      unitsPerScan
      item {
        id
        code
        genericName
        tradeName
        strength
        dosageForm
        baseUnit
        status
        manufacturer
        packageLevels {
          level
          name
          unitsPerPack
        }
      }
      batch {
        id
        lotNumber
        expiryDate
        status
      }
      warnings {
        code
        message
      }
    }
  }
`)

export type Resolution = Awaited<ReturnType<typeof resolve>>

export async function resolve(raw: string, institutionId: string) {
  return (await request(ResolveBarcode, { raw, institutionId })).resolveBarcode
}

/** An adjustment made by scanning while offline: which pack, how many
 * packs, why. Its batch and units are known only once the server resolves
 * the scan, at replay. */
export interface ScanAdjust {
  rowId: string
  raw: string
  institutionId: string
  packs: number
  reason: string
}

export interface Adjust {
  rowId: string
  input: AdjustStockInput
}

/** What either kind of adjustment answers: the movement posted, and for
 * one made from an unresolved scan, what the scan turned out to be. */
export interface Adjusted {
  movement: { id: string; quantity: number; balanceAfter: number }
  resolution?: Resolution
}

/** Goods received at the centre, by scan or typed from the box. The input
 * is kept whole (its clientRequestId is the entry's), so a replay sends
 * what the user saw when they scanned. */
export interface Receive {
  rowId: string
  input: ReceivePurchaseOrderScanInput
}

export interface ReceiveByHand {
  rowId: string
  input: ReceivePurchaseOrderLineInput
}

export interface ShipmentReceive {
  rowId: string
  input: ReceiveShipmentScanInput
}

export type ShipmentScanned = ShipmentScanMutation['receiveShipmentScan']

export type Payload =
  | { kind: 'resolve'; rowId: string; raw: string; institutionId: string }
  | ({ kind: 'adjust' } & Adjust)
  | ({ kind: 'scan-adjust' } & ScanAdjust)
  | ({ kind: 'receive-scan' } & Receive)
  | ({ kind: 'receive-line' } & ReceiveByHand)
  | ({ kind: 'shipment-scan' } & ShipmentReceive)

/** What a receipt answers, sent at once or from the queue. */
export type Received = Receipt

async function send(entry: Entry): Promise<unknown> {
  const p = entry.payload as Payload
  try {
    const result = await dispatch(p, entry.clientRequestId)
    status.online = true
    return result
  } catch (e) {
    if (e instanceof NetworkError) status.online = false
    throw e
  }
}

async function dispatch(p: Payload, clientRequestId: string): Promise<unknown> {
  switch (p.kind) {
    case 'resolve':
      return resolve(p.raw, p.institutionId)
    case 'adjust': {
      const movement = (await request(AdjustStock, { input: { ...p.input, clientRequestId } })).adjustStock
      return { movement } satisfies Adjusted
    }
    case 'scan-adjust': {
      const r = await resolve(p.raw, p.institutionId)
      if (!r.batch || !r.unitsPerScan) {
        throw new ApiError(
          'VALIDATION',
          'the scan names no batch held here, so it cannot be adjusted',
          '扫码结果没有对应批次，无法调整',
        )
      }
      const movement = (
        await request(AdjustStock, {
          input: {
            institutionId: p.institutionId,
            batchId: r.batch.id,
            quantity: p.packs * r.unitsPerScan,
            reason: p.reason,
            clientRequestId,
          },
        })
      ).adjustStock
      return { resolution: r, movement } satisfies Adjusted
    }
    case 'receive-scan':
      return (await request(ReceiveScan, { input: { ...p.input, clientRequestId } })).receivePurchaseOrderScan satisfies Received
    case 'receive-line':
      return (await request(ReceiveLine, { input: { ...p.input, clientRequestId } })).receivePurchaseOrderLine satisfies Received
    case 'shipment-scan':
      return (await request(ShipmentScan, { input: { ...p.input, clientRequestId } })).receiveShipmentScan satisfies ShipmentScanned
  }
}

export const status = reactive({ online: navigator.onLine, pending: 0, entries: [] as Entry[] })

export const queue = new OfflineQueue(new IdbStore(), send)

queue.onChange((entries) => {
  status.entries = entries
  status.pending = entries.filter((e) => e.state === 'pending').length
})

/** While anything is pending, ask the server now and then whether it is
 * back; `online` events alone are not enough (the Wi-Fi can be up while
 * the county network is down). */
async function probe() {
  if (status.pending === 0 && status.online) return
  try {
    const r = await fetch('/healthz', { cache: 'no-store' })
    if (r.ok) {
      status.online = true
      await queue.replay()
    }
  } catch {
    status.online = false
  }
}

window.addEventListener('online', () => void probe())
window.addEventListener('offline', () => {
  status.online = false
})
setInterval(() => void probe(), 3000)
void queue.entries().then((entries) => {
  status.entries = entries
  status.pending = entries.filter((e) => e.state === 'pending').length
  void probe()
})
