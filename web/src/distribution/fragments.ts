// The fields every distribution screen reads of a requisition and of a
// shipment, so that one loaded, approved or allocated replaces the one on
// screen whole.
import { graphql } from '@gql/gql'
import type { RequisitionFieldsFragment, ShipmentFieldsFragment } from '@gql/graphql'

export const DistItemFields = graphql(`
  fragment DistItemFields on Item {
    id
    code
    genericName
    strength
    baseUnit
    gtins
    packageLevels {
      level
      name
      unitsPerPack
    }
  }
`)

export const ShipmentFields = graphql(`
  fragment ShipmentFields on Shipment {
    id
    number
    kind
    status
    requisitionId
    deliveryRunId
    emergency
    plannedDate
    packageCount
    returnReason
    note
    createdAt
    dispatchedAt
    receivedAt
    inTransit
    from {
      id
      name
    }
    to {
      id
      name
    }
    lines {
      id
      lineNo
      quantity
      scannedQuantity
      receivedQuantity
      lostQuantity
      requisitionLineId
      item {
        ...DistItemFields
      }
      batch {
        id
        lotNumber
        expiryDate
      }
    }
    discrepancies {
      id
      lineId
      kind
      quantity
      note
      resolution
      resolutionReason
      resolvedAt
    }
  }
`)

/** A shipment line as the printed delivery note and pick list show it. */
export const PrintLineFields = graphql(`
  fragment PrintLineFields on ShipmentLine {
    id
    lineNo
    quantity
    item {
      id
      code
      genericName
      strength
      baseUnit
      coldChain
      packageLevels {
        name
        unitsPerPack
      }
    }
    batch {
      id
      lotNumber
      expiryDate
    }
  }
`)

export const RequisitionFields = graphql(`
  fragment RequisitionFields on Requisition {
    id
    number
    status
    emergency
    note
    onBehalf
    createdAt
    submittedAt
    decidedAt
    rejectionReason
    backorder
    institution {
      id
      name
    }
    lines {
      id
      lineNo
      quantity
      approvedQuantity
      reductionReason
      allocatedQuantity
      backorder
      item {
        ...DistItemFields
      }
    }
    shipments {
      ...ShipmentFields
    }
  }
`)

export type Requisition = RequisitionFieldsFragment
export type RequisitionLine = Requisition['lines'][number]
export type Shipment = ShipmentFieldsFragment
export type ShipmentLine = Shipment['lines'][number]
