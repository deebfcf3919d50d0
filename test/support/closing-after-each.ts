/** Things a test opens (test kits, stores) closed after it, whether it passed or not. */
import { afterEach } from 'vitest';

/** Something a test must close. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Registers an `afterEach` closing whatever the returned function was given during the test;
 * the function hands its argument back, so `const kit = kitOf(make())` reads as one step.
 */
export function closingAfterEach(): <Thing extends Closable>(thing: Thing) => Thing {
  const opened: Closable[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((thing) => thing.close()));
  });
  return (thing) => {
    opened.push(thing);
    return thing;
  };
}
