/**
 * The ids in the store, searched as you type (case-insensitive, anywhere in the id) and
 * paged: a store with a million ids lists its first page at once.
 * @module
 */
import { useState } from 'preact/hooks';
import { api, type IdSummary } from './api.js';
import { formatCount, formatTime } from './format.js';
import { entityHash } from './route.js';
import { useLatest } from './use-latest.js';

const PAGE = 100;

/** The list. */
export function IdList() {
  const [search, setSearch] = useState('');
  const [more, setMore] = useState<
    { readonly search: string; readonly ids: readonly IdSummary[]; readonly next: string | null } | undefined
  >(undefined);
  const first = useLatest(`ids:${search}`, (signal) => api.ids({ contains: search === '' ? undefined : search, limit: PAGE }, signal));
  const extra = more?.search === search ? more : undefined;
  const ids = [...(first.value?.ids ?? []), ...(extra?.ids ?? [])];
  const next = extra ? extra.next : first.value?.next;
  const loadMore = async () => {
    if (!next) return;
    const page = await api.ids({ contains: search === '' ? undefined : search, after: next, limit: PAGE });
    setMore({ search, ids: [...(extra?.ids ?? []), ...page.ids], next: page.next });
  };
  return (
    <section class="panel">
      <div class="toolbar">
        <h2>Persistence ids</h2>
        <input
          class="search"
          type="search"
          data-testid="id-search"
          placeholder="search ids"
          value={search}
          onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
        />
        {first.loading && <span class="muted">searching…</span>}
      </div>
      {first.error && <p class="bad">{first.error}</p>}
      <table class="ids" data-testid="ids">
        <thead>
          <tr>
            <th>persistence id</th>
            <th>highest</th>
            <th>events</th>
            <th>snapshots</th>
            <th>last write</th>
          </tr>
        </thead>
        <tbody>
          {ids.map((summary) => (
            <tr key={summary.persistenceId} data-id={summary.persistenceId}>
              <td>
                <a href={entityHash(summary.persistenceId)}>{summary.persistenceId}</a>
              </td>
              <td class="number">{formatCount(summary.highestSequenceNr)}</td>
              <td class="number">{formatCount(summary.eventCount)}</td>
              <td class="number">{formatCount(summary.snapshotCount)}</td>
              <td class="time">{formatTime(summary.lastWriteTimestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {first.value && ids.length === 0 && (
        <p class="muted">{search === '' ? 'The store holds no events yet.' : `No id contains ${JSON.stringify(search)}.`}</p>
      )}
      {next && (
        <button type="button" onClick={loadMore}>
          more
        </button>
      )}
    </section>
  );
}
