// The offline queue. A clinic loses the network for minutes at a time; a
// scan or an adjustment made then is kept (in IndexedDB, so a reload does
// not lose it) with its clientRequestId and sent, in the order it was made,
// once the server answers again.
//
// - Only "no network" keeps an entry queued. A refusal from the server
//   (INSUFFICIENT_STOCK, VALIDATION…) marks it refused, with the reason, and
//   it is never retried: retrying would not change the answer.
// - Replaying cannot post twice: every adjustment carries the
//   clientRequestId it was given when the user made it, and the server
//   answers a repeat with the first result.
// - New work queues behind older pending work, so nothing overtakes.

import { ApiError, NetworkError, type FieldError } from '@/api/client'

export type EntryState = 'pending' | 'refused'

export interface Entry<P = unknown> {
  seq?: number
  kind: string
  clientRequestId: string
  payload: P
  createdAt: string
  state: EntryState
  /** Why the server refused it, with the fields it named, so the screen
   * can show the refusal on its field or offer what overrides it. */
  error?: { code: string; messageEn: string; messageZh: string; fields?: FieldError[] }
}

export interface QueueStore {
  add(entry: Entry): Promise<number>
  all(): Promise<Entry[]>
  put(entry: Entry): Promise<void>
  remove(seq: number): Promise<void>
}

/** Sends one entry; throws NetworkError (keep it) or ApiError (refused). */
export type Sender = (entry: Entry) => Promise<unknown>

export type Outcome =
  | { status: 'sent'; result: unknown }
  | { status: 'queued'; seq: number }
  | { status: 'refused'; error: ApiError }

type Listener = (entries: Entry[]) => void
type Done = (entry: Entry, result: unknown) => void

export class OfflineQueue {
  private running: Promise<void> | null = null
  private pending: number | null = null
  private listeners: Listener[] = []
  private doneListeners: Done[] = []

  constructor(
    private readonly store: QueueStore,
    private readonly send: Sender,
  ) {}

  /** Called with every entry still held (pending and refused). */
  onChange(l: Listener) {
    this.listeners.push(l)
  }

  /** Called when a queued entry has finally been sent. Returns what stops
   * it: a screen listens while it is shown. */
  onSent(l: Done): () => void {
    this.doneListeners.push(l)
    return () => {
      this.doneListeners = this.doneListeners.filter((x) => x !== l)
    }
  }

  async entries(): Promise<Entry[]> {
    const all = await this.store.all()
    return all.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
  }

  async pendingCount(): Promise<number> {
    return (await this.entries()).filter((e) => e.state === 'pending').length
  }

  /** Sends now when nothing older is waiting; otherwise (or when the
   * network fails) keeps it in order. */
  async submit(kind: string, clientRequestId: string, payload: unknown): Promise<Outcome> {
    const entry: Entry = {
      kind,
      clientRequestId,
      payload,
      createdAt: new Date().toISOString(),
      state: 'pending',
    }
    await this.running
    // The pending count is known after the first look and kept by every
    // change, so a scan online costs no IndexedDB read.
    this.pending ??= (await this.entries()).filter((e) => e.state === 'pending').length
    const waiting = this.pending > 0
    if (!waiting) {
      try {
        return { status: 'sent', result: await this.send(entry) }
      } catch (e) {
        if (e instanceof ApiError) return { status: 'refused', error: e }
        if (!(e instanceof NetworkError)) throw e
      }
    }
    const seq = await this.store.add(entry)
    await this.changed()
    return { status: 'queued', seq }
  }

  /** Sends the pending entries in order, stopping at the first that
   * still finds no network. One replay runs at a time. */
  replay(): Promise<void> {
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null
      })
    }
    return this.running
  }

  /** Forgets a refused entry once the user has seen it. */
  async dismiss(seq: number) {
    await this.store.remove(seq)
    await this.changed()
  }

  private async drain() {
    for (const entry of await this.entries()) {
      if (entry.state !== 'pending' || entry.seq === undefined) continue
      try {
        const result = await this.send(entry)
        await this.store.remove(entry.seq)
        this.doneListeners.forEach((l) => l(entry, result))
      } catch (e) {
        if (e instanceof NetworkError) break
        const error =
          e instanceof ApiError
            ? { code: e.code, messageEn: e.messageEn, messageZh: e.messageZh, fields: e.fields }
            : { code: 'INTERNAL', messageEn: String(e), messageZh: String(e) }
        await this.store.put({ ...entry, state: 'refused', error })
      }
      await this.changed()
    }
    await this.changed()
  }

  private async changed() {
    const all = await this.entries()
    this.pending = all.filter((e) => e.state === 'pending').length
    this.listeners.forEach((l) => l(all))
  }
}

/** The store in the browser: one IndexedDB object store, keyed by an
 * increasing sequence number (the order the work was done in). */
export class IdbStore implements QueueStore {
  private db: Promise<IDBDatabase>

  constructor(name = 'yaolian-offline', factory: IDBFactory = indexedDB) {
    this.db = new Promise((resolve, reject) => {
      const open = factory.open(name, 1)
      open.onupgradeneeded = () => {
        open.result.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true })
      }
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
  }

  private async tx<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.db
    return new Promise((resolve, reject) => {
      const t = db.transaction('queue', mode)
      const req = run(t.objectStore('queue'))
      t.oncomplete = () => resolve(req.result)
      t.onerror = () => reject(t.error)
      t.onabort = () => reject(t.error)
    })
  }

  add(entry: Entry) {
    const { seq: _, ...rest } = entry
    return this.tx('readwrite', (s) => s.add(rest)) as Promise<number>
  }
  all() {
    return this.tx('readonly', (s) => s.getAll()) as Promise<Entry[]>
  }
  async put(entry: Entry) {
    await this.tx('readwrite', (s) => s.put(entry))
  }
  async remove(seq: number) {
    await this.tx('readwrite', (s) => s.delete(seq))
  }
}
