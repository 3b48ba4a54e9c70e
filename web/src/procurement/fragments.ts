// The fields every procurement screen reads of an order and of a receipt,
// so that an order loaded, changed or returned with a receipt has one
// shape and can replace the one on screen; and of an invoice, which its
// match and approval return whole.
import { graphql } from '@gql/gql'
import type { PurchaseOrderFieldsFragment, ReceiptFieldsFragment } from '@gql/graphql'

export const OrderItemFields = graphql(`
  fragment OrderItemFields on Item {
    id
    code
    genericName
    tradeName
    strength
    dosageForm
    baseUnit
    status
    manufacturer
    coldChain
    storageMinCelsius
    storageMaxCelsius
    gtins
    packageLevels {
      level
      name
      unitsPerPack
    }
  }
`)

export const PurchaseOrderFields = graphql(`
  fragment PurchaseOrderFields on PurchaseOrder {
    id
    number
    status
    note
    closedReason
    createdAt
    submittedAt
    version
    totalFen
    supplier {
      id
      name
      licenceDaysLeft
      orderBlockedReason
      orderBlockedReasonZh
    }
    lines {
      id
      lineNo
      packageLevel
      unitsPerPack
      orderedPacks
      overPacks
      receivedPacks
      orderedQuantity
      receivedQuantity
      remainingQuantity
      unitPriceFen
      amountFen
      agreedPrice
      item {
        ...OrderItemFields
      }
    }
  }
`)

export const ReceiptFields = graphql(`
  fragment ReceiptFields on ReceiptLine {
    id
    packs
    packageLevel
    quantity
    quarantined
    temperatureCelsius
    shortDatedReason
    receivedAt
    receiptNumber
    traceCodes
    batch {
      id
      lotNumber
      expiryDate
      status
    }
    item {
      ...OrderItemFields
    }
    orderLine {
      id
    }
    purchaseOrder {
      ...PurchaseOrderFields
    }
  }
`)

/** An invoice as its page shows it: lines, the order's pack levels, and
 * what the last three-way match found. */
export const InvoiceFields = graphql(`
  fragment InvoiceFields on SupplierInvoice {
    id
    number
    invoiceDate
    totalFen
    status
    supplier {
      id
      name
    }
    purchaseOrder {
      id
      number
      status
      lines {
        item {
          id
        }
        packageLevel
        unitsPerPack
      }
    }
    lines {
      id
      lineNo
      packs
      unitPriceFen
      amountFen
      item {
        id
        code
        genericName
        strength
        baseUnit
        packageLevels {
          level
          name
        }
      }
    }
    differences {
      lineNo
      kind
      expected
      actual
      item {
        id
        baseUnit
      }
    }
  }
`)

export type Order = PurchaseOrderFieldsFragment
export type OrderLine = Order['lines'][number]
export type Receipt = ReceiptFieldsFragment

/** A package level's name, e.g. 盒, for a line's item. */
export function levelName(item: { packageLevels: { level: number; name: string }[] }, level: number): string {
  return item.packageLevels.find((l) => l.level === level)?.name ?? String(level)
}
