import { describe, expectTypeOf, it } from 'vitest';
import type { EntityRef, RepliesWith } from '../../src/index.js';

type Add = { readonly type: 'add'; readonly amount: number } & RepliesWith<number>;
type Get = { readonly type: 'get' } & RepliesWith<{ readonly total: number }>;
type Reset = { readonly type: 'reset' };
type Command = Add | Get | Reset;

declare const ref: EntityRef<Command>;

describe('ask', () => {
  it('infers the reply type declared on the command', () => {
    expectTypeOf(ref.ask({ type: 'add', amount: 1 })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(ref.ask({ type: 'get' })).toEqualTypeOf<Promise<{ readonly total: number }>>();
  });
  it('gives unknown for a command that declares no reply', () => {
    expectTypeOf(ref.ask({ type: 'reset' })).toEqualTypeOf<Promise<unknown>>();
  });
  it('still takes the reply type from the caller', () => {
    expectTypeOf(ref.ask<string>({ type: 'reset' })).toEqualTypeOf<Promise<string>>();
  });
  it('refuses a command that is not one of the entity commands', () => {
    // @ts-expect-error 'remove' is not a command of this entity
    void ref.ask({ type: 'remove' });
  });
});
