/**
 * The events around the current point (a small page, never the whole history); the
 * current one is highlighted and a click moves there.
 * @module
 */
import type { EventJson } from './api.js';
import { formatTime, preview } from './format.js';

/** The table. */
export function EventsPanel({ events, at, onJump }: { events: readonly EventJson[]; at: number; onJump: (sequenceNr: number) => void }) {
  if (events.length === 0) return <p class="muted">No stored events here.</p>;
  return (
    <table class="events" data-testid="events">
      <thead>
        <tr>
          <th>seq</th>
          <th>time</th>
          <th>event</th>
          <th>tags</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr
            key={event.sequenceNr}
            data-sequence-nr={event.sequenceNr}
            class={event.sequenceNr === at ? 'current' : ''}
            onClick={() => onJump(event.sequenceNr)}
            title={event.manifest ? `manifest ${event.manifest}` : undefined}
          >
            <td class="number">{event.sequenceNr}</td>
            <td class="time">{formatTime(event.timestamp)}</td>
            <td>
              <code>{preview(event.event, 160)}</code>
            </td>
            <td>{event.tags.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
