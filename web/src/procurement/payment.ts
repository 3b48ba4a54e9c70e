// A payment settles approved invoices of one supplier in full: its amount
// is their total, which the form fills in and the server checks again.
import { toFen } from './money'

/** The total of the invoices ticked, in fen. */
export function invoicesTotal(invoices: { id: string; totalFen: number }[], ticked: Iterable<string>): number {
  const on = new Set(ticked)
  return invoices.filter((i) => on.has(i.id)).reduce((sum, i) => sum + i.totalFen, 0)
}

export interface PaymentForm {
  invoiceIds: string[]
  /** In yuan as typed. */
  amount: string
  paidOn: string
  reference: string
}

/** What is wrong before sending, keyed by the server's field names. */
export function checkPayment(
  form: PaymentForm,
  totalFen: number,
  messages: { invoices: string; amount: string; equal: string; date: string; reference: string },
): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!form.invoiceIds.length) errors.invoiceIds = messages.invoices
  const fen = toFen(form.amount)
  if (fen === null || fen === 0) errors.amountFen = messages.amount
  else if (form.invoiceIds.length && fen !== totalFen) errors.amountFen = messages.equal
  if (!form.paidOn) errors.paidOn = messages.date
  if (!form.reference.trim()) errors.reference = messages.reference
  return errors
}
