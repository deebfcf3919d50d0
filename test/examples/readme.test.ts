import { expect, it } from 'vitest';
import { firstLook } from '../../examples/readme/first-look.js';

it("the README's first look persists and replies with the new balance", async () => {
  expect(await firstLook()).toBe(15);
});
