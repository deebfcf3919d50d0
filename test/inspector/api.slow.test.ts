import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotMetadata } from '../../src/index.js';
import { createInspectorServer, type InspectorServer } from '../../src/inspector/index.js';
import { damageSnapshot, removeTempDirs } from '../sqlite/helpers.js';
import { createTestStore, type TestStore, timeOfEvent } from './support/store.js';

const SPECIAL = 'counter|b/ü ?#%&';
let store: TestStore;
let server: InspectorServer;

const get = async (path: string, init?: RequestInit) => {
  const response = await fetch(new URL(path, server.url), init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { message: string } } };
};
const entity = (id: string) => `/api/entities/${encodeURIComponent(id)}`;

beforeAll(async () => {
  store = await createTestStore();
  await store.append('counter|a', 1, 1000, 100);
  await store.append(SPECIAL, 1, 30, 10);
  await store.append('counter|c', 1, 5);
  server = await createInspectorServer({ inspection: store.inspection, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  removeTempDirs();
});

describe('inspector API', () => {
  it('lists ids in pages, by prefix and by a case-insensitive search', async () => {
    const all = await get('/api/ids');
    expect(all.status).toBe(200);
    expect((all.body.ids as { persistenceId: string }[]).map((s) => s.persistenceId)).toEqual(['counter|a', SPECIAL, 'counter|c']);
    expect(all.body.ids).toContainEqual(
      expect.objectContaining({
        persistenceId: 'counter|a',
        highestSequenceNr: 1000,
        eventCount: 1000,
        snapshotCount: 10,
        lastWriteTimestamp: timeOfEvent(1000),
      }),
    );
    const first = await get('/api/ids?limit=2');
    expect(first.body.next).toBe(SPECIAL);
    const second = await get(`/api/ids?limit=2&after=${encodeURIComponent(first.body.next as string)}`);
    expect((second.body.ids as { persistenceId: string }[]).map((s) => s.persistenceId)).toEqual(['counter|c']);
    expect(second.body.next).toBeNull();
    const search = await get(`/api/ids?contains=${encodeURIComponent('B/Ü')}`);
    expect((search.body.ids as { persistenceId: string }[]).map((s) => s.persistenceId)).toEqual([SPECIAL]);
    expect(search.body.next).toBeNull();
  });

  it('refuses bad and unknown query parameters with a 400 naming them', async () => {
    const cases: [string, RegExp][] = [
      ['/api/ids?limit=abc', /query parameter "limit": expected an integer from 1 to 1000, found "abc"/],
      ['/api/ids?limit=0', /"limit": expected an integer from 1 to 1000, found "0"/],
      ['/api/ids?lmit=3', /query parameter "lmit": expected one of prefix, contains, after, limit/],
      ['/api/ids?limit=1&limit=2', /"limit": expected once, found 2 times/],
      [`${entity('counter|a')}/state`, /"at": expected a sequence number .* found nothing/],
      [`${entity('counter|a')}/state?at=-1`, /"at": expected a sequence number .* found "-1"/],
      [`${entity('counter|a')}/state?at=2026-01-01T00:10`, /found "2026-01-01T00:10" \(add Z or an offset/],
      [`${entity('counter|a')}/state?at=1001`, /at most the highest sequence number 1000/],
      [`${entity('counter|a')}/events?from=10&to=5`, /"to": expected an integer from 10 to/],
      [`${entity('counter|a')}/timeline?buckets=1`, /"buckets": expected an integer from 2 to 5000, found "1"/],
      [`${entity('counter|a')}/diff?from=1`, /"to": expected .* found nothing/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body.error?.message).toMatch(message);
    }
    expect((await get(entity('nobody|here'))).status).toBe(404);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('gives the state at a point equal to the inspection, by sequence number and by time', async () => {
    for (const at of [0, 1, 99, 100, 101, 555, 1000]) {
      const { status, body } = await get(`${entity('counter|a')}/state?at=${at}`);
      expect(status).toBe(200);
      const direct = await store.inspection.stateAt('counter|a', { sequenceNr: at });
      expect(body).toEqual({
        persistenceId: 'counter|a',
        definition: 'counter',
        sequenceNr: at,
        timestamp: direct.timestamp ?? null,
        snapshotSequenceNr: direct.snapshotSequenceNr,
        replayed: direct.replayed,
        skippedSnapshots: direct.skippedSnapshots ?? [],
        state: direct.state,
      });
    }
    const byTime = await get(`${entity('counter|a')}/state?at=${new Date(timeOfEvent(250) + 500).toISOString()}`);
    expect(byTime.body.sequenceNr).toBe(250);
    expect(byTime.body.snapshotSequenceNr).toBe(200);
    const named = await get(`${entity('counter|a')}/state?at=10&definition=counter`);
    expect(named.body.definition).toBe('counter');
    const unknown = await get(`${entity('counter|a')}/state?at=10&definition=nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.message).toMatch(/nope/);
  });

  it('serves ids with slashes, spaces and reserved characters through the path', async () => {
    const { status, body } = await get(`${entity(SPECIAL)}/state?at=30`);
    expect(status).toBe(200);
    expect(body.persistenceId).toBe(SPECIAL);
    expect((await get(entity(SPECIAL))).body.highestSequenceNr).toBe(30);
  });

  it('pages events and diffs two points', async () => {
    const page = await get(`${entity('counter|a')}/events?from=998&limit=2`);
    expect((page.body.events as { sequenceNr: number }[]).map((e) => e.sequenceNr)).toEqual([998, 999]);
    expect(page.body.next).toBe(1000);
    const last = await get(`${entity('counter|a')}/events?from=1000`);
    expect(last.body.events).toEqual([
      {
        persistenceId: 'counter|a',
        sequenceNr: 1000,
        timestamp: timeOfEvent(1000),
        event: { type: 'added', key: 'k6', amount: 1 },
        manifest: null,
        tags: ['tenth'],
        writerId: null,
        metadata: null,
      },
    ]);
    expect(last.body.next).toBeNull();
    const diff = await get(`${entity('counter|a')}/diff?from=999&to=1000`);
    expect(diff.body.differences).toEqual([
      { type: 'CHANGE', path: ['count'], oldValue: expect.any(Number), value: expect.any(Number) },
      { type: 'CHANGE', path: ['items', 'k6'], oldValue: expect.any(Number), value: expect.any(Number) },
      { type: 'CHANGE', path: ['last'], oldValue: 'k5', value: 'k6' },
    ]);
  });

  it('summarizes a long timeline in a bounded number of samples', async () => {
    const { body } = await get(`${entity('counter|a')}/timeline?buckets=10`);
    const samples = body.samples as { sequenceNr: number; timestamp: number }[];
    expect(samples.length).toBe(10);
    expect(samples[0]).toEqual({ sequenceNr: 1, timestamp: timeOfEvent(1) });
    expect(samples[samples.length - 1]).toEqual({ sequenceNr: 1000, timestamp: timeOfEvent(1000) });
    expect(body.snapshotCount).toBe(10);
    expect((body.summary as { highestSequenceNr: number }).highestSequenceNr).toBe(1000);
  });

  it('reports damaged and wrong snapshots: snapshots, timeline markers and verify', async () => {
    await store.append('counter|d', 1, 40, 10);
    await damageSnapshot(store.file, 'counter|d', 20);
    await store.snapshotStore.save(new SnapshotMetadata({ persistenceId: 'counter|d', sequenceNr: 30, timestamp: timeOfEvent(30) }), {
      count: -1,
      items: {},
      last: null,
    });
    const { body } = await get(`${entity('counter|d')}/snapshots`);
    const snapshots = body.snapshots as { sequenceNr: number; readable: boolean }[];
    expect(snapshots.map((s) => [s.sequenceNr, s.readable])).toEqual([
      [10, true],
      [20, false],
      [30, true],
      [40, true],
    ]);
    const timeline = await get(`${entity('counter|d')}/timeline?buckets=2`);
    expect(
      (timeline.body.snapshots as { sequenceNr: number; readable: boolean }[]).filter((s) => !s.readable).map((s) => s.sequenceNr),
    ).toEqual([20]);
    const verify = await get(`${entity('counter|d')}/verify`, { method: 'POST' });
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(false);
    const problems = verify.body.problems as { sequenceNr: number; kind: string; differences: { path: unknown[] }[] }[];
    expect(problems.map((p) => [p.sequenceNr, p.kind])).toEqual([
      [20, 'damaged'],
      [30, 'mismatch'],
    ]);
    expect(problems[1]?.differences.map((d) => d.path)).toContainEqual(['count']);
    const all = await get('/api/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['counter|a'] }),
    });
    expect(all.body).toMatchObject({ ok: true, idsChecked: 1, snapshotsChecked: 10 });
    const bad = await get('/api/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [] }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/"ids": expected a non-empty list of persistence ids, found \[\]/);
    const form = await get('/api/verify', { method: 'POST', body: 'all=true' });
    expect(form.body.error?.message).toMatch(/expected Content-Type application\/json/);
  });

  it('refuses to delete a snapshot unless started with allowDelete', async () => {
    const refused = await get(`${entity('counter|a')}/snapshots/100`, { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/--allow-delete/);
    expect((await get(`${entity('counter|a')}/snapshots`)).body.snapshots).toHaveLength(10);
    const writable = await createInspectorServer({ inspection: store.inspection, port: 0, allowDelete: true });
    try {
      const url = (path: string) => new URL(path, writable.url);
      const deleted = await fetch(url(`${entity('counter|a')}/snapshots/100`), { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      const missing = await fetch(url(`${entity('counter|a')}/snapshots/100`), { method: 'DELETE' });
      expect(missing.status).toBe(404);
      expect((await store.inspection.snapshots('counter|a')).map((s) => s.sequenceNr)).not.toContain(100);
    } finally {
      await writable.close();
    }
  });

  it('streams new events as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL(`${entity('counter|c')}/events/stream`, server.url), { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: ready\ndata: \{"persistenceId":"counter\|c","from":6\}/);
    await store.append('counter|c', 6, 2);
    await until(/id: 7\n/);
    const events = [...text.matchAll(/event: event\ndata: (.*)\nid: (\d+)/g)].map(
      (m) => JSON.parse(m[1] as string) as { sequenceNr: number },
    );
    expect(events.map((e) => e.sequenceNr)).toEqual([6, 7]);
    controller.abort();
  });
});

describe('inspector access', () => {
  it('refuses to bind beyond loopback without a token, and short tokens', async () => {
    await expect(createInspectorServer({ inspection: store.inspection, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /options.token: expected a token to bind "0.0.0.0"/,
    );
    await expect(createInspectorServer({ inspection: store.inspection, port: 0, token: 'short' })).rejects.toThrow(
      /at least 16 characters/,
    );
    await expect(createInspectorServer({ inspection: {} as never, port: 0 })).rejects.toThrow(
      /expected an Inspection .* without ids, events/,
    );
  });

  it('checks the token on every request: header, query, then the cookie set by the first visit', async () => {
    const token = 'a-token-of-enough-length';
    const guarded = await createInspectorServer({ inspection: store.inspection, port: 0, token });
    try {
      const url = (path: string) => new URL(path, guarded.url);
      expect((await fetch(url('/api/ids'))).status).toBe(401);
      expect((await fetch(url('/api/ids'), { headers: { authorization: 'Bearer wrong-token-of-enough-length' } })).status).toBe(401);
      expect((await fetch(url('/api/ids'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // The state route is served before the Hono application (state-route.ts): the same checks apply.
      const state = `${entity('counter|a')}/state?at=5`;
      const refused = await fetch(url(state));
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      expect((await fetch(url(state), { headers: { authorization: 'Bearer wrong-token-of-enough-length' } })).status).toBe(401);
      expect((await fetch(url(state), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(url(`${state}&token=${token}`))).status).toBe(200);
      expect((await fetch(url('/'))).status).toBe(401);
      expect(guarded.openUrl).toBe(`${guarded.url}?token=${token}`);
      const visit = await fetch(guarded.openUrl, { redirect: 'manual' });
      expect(visit.status).toBe(303);
      const cookie = (visit.headers.get('set-cookie') ?? '').split(';')[0] as string;
      expect(cookie).toBe(`memento_inspector_${guarded.port}=${token}`);
      expect(visit.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
      expect((await fetch(url('/api/ids'), { headers: { cookie } })).status).toBe(200);
      expect((await fetch(url(state), { headers: { cookie } })).status).toBe(200);
      const page = await fetch(url('/'), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module" src="\/app.js">/);
    } finally {
      await guarded.close();
    }
  });

  it('on loopback without a token, answers only requests addressed to a loopback name from its own origin', async () => {
    const { request } = await import('node:http');
    for (const path of ['/api/ids', `${entity('counter|a')}/state?at=5`]) {
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const call = request(new URL(path, server.url), { headers }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
          call.on('error', reject);
          call.end();
        });
      expect(await status({ host: `localhost:${server.port}` })).toBe(200);
      expect(await status({ host: `evil.example:${server.port}` })).toBe(403);
      expect(await status({ host: `127.0.0.1:${server.port}`, origin: 'http://evil.example' })).toBe(403);
      expect(await status({ host: `127.0.0.1:${server.port}`, origin: `http://127.0.0.1:${server.port}` })).toBe(200);
    }
  });

  it('stops a rebuild when its client goes away, on every request of a kept-alive connection', async () => {
    const { Agent, request } = await import('node:http');
    const asked: { signal: AbortSignal; aborted: Promise<void> }[] = [];
    let nextAsked: (() => void) | undefined;
    // A rebuild that ends only when its signal aborts, or answers at once for at=1.
    const slow = await createInspectorServer({
      port: 0,
      inspection: {
        ...store.inspection,
        stateAt: (id, point, options) => {
          if ((point as { sequenceNr: number }).sequenceNr === 1) return store.inspection.stateAt(id, point, options);
          const signal = options?.signal as AbortSignal;
          asked.push({ signal, aborted: new Promise((resolve) => signal.addEventListener('abort', () => resolve())) });
          nextAsked?.();
          return new Promise(() => {});
        },
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const call = (at: number) => request(new URL(`${entity('counter|a')}/state?at=${at}`, slow.url), { agent });
      // A first answered request keeps the connection open for the next one.
      await new Promise<void>((resolve, reject) => {
        call(1)
          .on('response', (response) => response.resume().on('end', resolve))
          .on('error', reject)
          .end();
      });
      const started = new Promise<void>((resolve) => {
        nextAsked = resolve;
      });
      const pending = call(5);
      pending.on('error', () => {});
      pending.end();
      await started;
      expect(asked[0]?.signal.aborted).toBe(false);
      pending.destroy();
      await asked[0]?.aborted;
      expect(asked[0]?.signal.aborted).toBe(true);
    } finally {
      agent.destroy();
      await slow.close();
    }
  });

  it('answers the state route the same whether served before Hono or by it', async () => {
    const { request } = await import('node:http');
    const call = (path: string, host: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const sent = request(new URL(path, server.url), { headers: { host } }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => {
            const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...headers } = response.headers;
            resolve({ status: response.statusCode ?? 0, headers, body });
          });
        });
        sent.on('error', reject);
        sent.end();
      });
    // A Host with an underscore is a loopback name the state route leaves to Hono.
    const hosts = [`localhost:${server.port}`, `a_b.localhost:${server.port}`];
    for (const path of [
      `${entity('counter|a')}/state?at=555`,
      `${entity(SPECIAL)}/state?at=30`,
      `${entity('counter|a')}/state?at=x`,
      `${entity('nobody|here')}/state?at=1`,
    ]) {
      const [fast, hono] = await Promise.all(hosts.map((host) => call(path, host)));
      expect(fast).toEqual(hono);
    }
    const fast = await call(`${entity('counter|a')}/state?at=555`, hosts[0] as string);
    expect(fast.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });
});
