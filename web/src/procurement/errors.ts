// A refused form: each message on the field the server named (as the
// catalogue's forms do), the rest above the buttons.
import { ApiError, NetworkError, type FieldError } from '@/api/client'
import { locale, t } from '@/i18n'

export type FormErrors = Record<string, string>

export function clearErrors(errors: FormErrors) {
  Object.keys(errors).forEach((k) => delete errors[k])
}

/** Fills `errors` from a refusal: `errors[field]`, or `errors.form`. */
export function showErrors(errors: FormErrors, e: unknown) {
  clearErrors(errors)
  if (e instanceof ApiError) {
    for (const f of e.fields) errors[f.field] = locale.value === 'zh' ? f.messageZh || f.message : f.message
    if (!e.fields.length) errors.form = e.shown
  } else if (e instanceof NetworkError) {
    errors.form = t('error.network')
  } else {
    throw e
  }
}

/** A refusal in a sentence: what the server said of each field (without
 * the field's API name), or its message when it named none. */
export function refusalText(e: { messageEn: string; messageZh: string; fields?: FieldError[] }): string {
  const zh = locale.value === 'zh'
  if (e.fields?.length) return e.fields.map((f) => (zh ? f.messageZh || f.message : f.message)).join(zh ? '；' : '; ')
  return zh ? e.messageZh || e.messageEn : e.messageEn
}

/** The message of any failure, for a toast. */
export function failure(e: unknown): string {
  if (e instanceof ApiError) return e.shown
  if (e instanceof NetworkError) return t('error.network')
  return String(e)
}
