import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { ApiError, NetworkError } from '@/api/client'
import { IdbStore, OfflineQueue, type Entry } from './queue'

/** A server that is down until `up` is set, then records what it got and
 * refuses what `refuse` names. Requests it has seen are answered with the
 * first result again (as the real server's idempotency does). */
function server() {
  const state = { up: true, seen: new Map<string, number>(), order: [] as string[], refuse: new Set<string>() }
  const send = async (e: Entry) => {
    if (!state.up) throw new NetworkError('down')
    if (state.refuse.has(e.clientRequestId)) {
      throw new ApiError('INSUFFICIENT_STOCK', 'only 2 available', '库存不足', [
        { field: 'quantity', message: 'only 2 available', messageZh: '库存不足' },
      ])
    }
    if (!state.seen.has(e.clientRequestId)) {
      state.seen.set(e.clientRequestId, state.order.length)
      state.order.push(e.clientRequestId)
    }
    return state.seen.get(e.clientRequestId)
  }
  return { state, send }
}

let n = 0
const fresh = () => new IdbStore(`test-${++n}`)

describe('offline queue', () => {
  it('sends at once while the server answers', async () => {
    const { state, send } = server()
    const q = new OfflineQueue(fresh(), send)
    expect(await q.submit('adjust', 'a', {})).toEqual({ status: 'sent', result: 0 })
    expect(state.order).toEqual(['a'])
    expect(await q.pendingCount()).toBe(0)
  })

  it('keeps work made offline and replays it in order, once', async () => {
    const { state, send } = server()
    const q = new OfflineQueue(fresh(), send)
    state.up = false
    for (const id of ['1', '2', '3', '4', '5']) {
      expect((await q.submit('adjust', id, { id })).status).toBe('queued')
    }
    expect(await q.pendingCount()).toBe(5)
    await q.replay() // still down: nothing leaves, nothing is lost
    expect(await q.pendingCount()).toBe(5)
    state.up = true
    await Promise.all([q.replay(), q.replay()])
    await q.replay()
    expect(state.order).toEqual(['1', '2', '3', '4', '5'])
    expect(await q.pendingCount()).toBe(0)
  })

  it('new work waits behind older pending work', async () => {
    const { state, send } = server()
    const q = new OfflineQueue(fresh(), send)
    state.up = false
    await q.submit('adjust', 'old', {})
    state.up = true
    // The network is back but no replay has run yet: the new one queues.
    expect((await q.submit('adjust', 'new', {})).status).toBe('queued')
    await q.replay()
    expect(state.order).toEqual(['old', 'new'])
  })

  it('a refusal is kept with its reason, not retried, and does not block the rest', async () => {
    const { state, send } = server()
    const q = new OfflineQueue(fresh(), send)
    state.up = false
    await q.submit('adjust', 'a', {})
    await q.submit('adjust', 'b', {})
    await q.submit('adjust', 'c', {})
    state.refuse.add('b')
    state.up = true
    await q.replay()
    await q.replay()
    expect(state.order).toEqual(['a', 'c'])
    const left = await q.entries()
    expect(left).toHaveLength(1)
    expect(left[0]).toMatchObject({
      clientRequestId: 'b',
      state: 'refused',
      error: { code: 'INSUFFICIENT_STOCK', fields: [{ field: 'quantity', messageZh: '库存不足' }] },
    })
    expect(await q.pendingCount()).toBe(0)
    await q.dismiss(left[0]!.seq!)
    expect(await q.entries()).toHaveLength(0)
  })

  it('a replay cut off half way resumes where it stopped', async () => {
    const { state, send } = server()
    let calls = 0
    const flaky = async (e: Entry) => {
      calls += 1
      if (calls === 2) throw new NetworkError('dropped')
      return send(e)
    }
    const q = new OfflineQueue(fresh(), flaky)
    state.up = false
    for (const id of ['1', '2', '3']) await q.submit('adjust', id, {})
    state.up = true
    calls = 0
    await q.replay()
    expect(state.order).toEqual(['1'])
    await q.replay()
    expect(state.order).toEqual(['1', '2', '3'])
  })

  it('survives a reload: a new queue on the same database sees the entries', async () => {
    const { state, send } = server()
    const name = `reload-${++n}`
    state.up = false
    await new OfflineQueue(new IdbStore(name), send).submit('adjust', 'x', { q: 1 })
    state.up = true
    const again = new OfflineQueue(new IdbStore(name), send)
    expect(await again.pendingCount()).toBe(1)
    await again.replay()
    expect(state.order).toEqual(['x'])
  })

  it('tells a screen of work sent from the queue until the screen stops listening', async () => {
    const { state, send } = server()
    const q = new OfflineQueue(fresh(), send)
    const heard: string[] = []
    const stop = q.onSent((e) => heard.push(e.clientRequestId))
    state.up = false
    await q.submit('receive-scan', 'r1', { packs: 1 })
    await q.submit('receive-scan', 'r2', { packs: 1 })
    state.up = true
    await q.replay()
    expect(heard).toEqual(['r1', 'r2'])
    stop()
    state.up = false
    await q.submit('receive-scan', 'r3', { packs: 1 })
    state.up = true
    await q.replay()
    expect(state.order).toEqual(['r1', 'r2', 'r3'])
    expect(heard).toEqual(['r1', 'r2'])
  })
})
