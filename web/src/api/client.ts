// The GraphQL client: plain fetch with the session cookie, typed by the
// documents graphql-codegen generates from the checked-in SDL.
import type { TypedDocumentString } from '@gql/graphql'
import { locale } from '@/i18n'

export interface FieldError {
  field: string
  message: string
  messageZh: string
}

/** An answer from the server that refuses the request. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly messageEn: string,
    readonly messageZh: string,
    readonly fields: FieldError[] = [],
    readonly reason?: string,
  ) {
    super(messageEn)
  }

  /** The message in the user's language. */
  get shown(): string {
    return locale.value === 'zh' ? this.messageZh || this.messageEn : this.messageEn
  }

  /** The message for one field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    const hit = this.fields.find((f) => f.field === field)
    if (!hit) return undefined
    return locale.value === 'zh' ? hit.messageZh : hit.message
  }
}

/** The server could not be reached: keep the work and try again later. */
export class NetworkError extends Error {}

type Listener = () => void
const expiredListeners: Listener[] = []
/** Called when the server says the session is no longer valid. */
export function onSessionExpired(listener: Listener) {
  expiredListeners.push(listener)
}

/** Headers every request of the web app sends; the server refuses cookie
 * requests that change data without X-Yaolian-Web (CSRF). */
export const WEB_HEADERS = { 'x-yaolian-web': '1' }

interface RawError {
  message: string
  extensions?: {
    code?: string
    messageEn?: string
    messageZh?: string
    fields?: FieldError[]
    reason?: string
  }
}

export function toApiError(e: RawError): ApiError {
  const ext = e.extensions ?? {}
  return new ApiError(
    ext.code ?? 'INTERNAL',
    ext.messageEn ?? e.message,
    ext.messageZh ?? e.message,
    ext.fields ?? [],
    ext.reason,
  )
}

export async function post(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, {
      credentials: 'same-origin',
      ...init,
      headers: { ...WEB_HEADERS, ...(init.headers ?? {}) },
    })
  } catch (e) {
    throw new NetworkError(String(e))
  }
}

export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  ...[variables]: V extends Record<string, never> ? [] | [V] : [V]
): Promise<R> {
  const response = await post('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: document.toString(), variables }),
  })
  return answer<R>(response)
}

/** A multipart request (a file upload), in the GraphQL multipart spec. */
export async function upload<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  file: File,
  path: string,
): Promise<R> {
  const form = new FormData()
  form.append('operations', JSON.stringify({ query: document.toString(), variables }))
  form.append('map', JSON.stringify({ '0': [`variables.${path}`] }))
  form.append('0', file, file.name)
  return answer<R>(await post('/graphql', { method: 'POST', body: form }))
}

async function answer<R>(response: Response): Promise<R> {
  // A proxy or a server restarting answers 502/503/504 without GraphQL:
  // that is "no network" for the queue.
  if (response.status >= 502 && response.status <= 504) {
    throw new NetworkError(`HTTP ${response.status}`)
  }
  let body: { data?: R | null; errors?: RawError[] }
  try {
    body = await response.json()
  } catch {
    throw new ApiError('INTERNAL', `HTTP ${response.status}`, `服务器错误 (HTTP ${response.status})`)
  }
  const first = body.errors?.[0]
  if (first) {
    const error = toApiError(first)
    if (error.code === 'UNAUTHENTICATED') expiredListeners.forEach((l) => l())
    throw error
  }
  if (body.data == null) throw new ApiError('INTERNAL', 'empty answer', '服务器无应答')
  return body.data
}
