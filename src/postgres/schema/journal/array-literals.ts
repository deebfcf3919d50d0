/**
 * PostgreSQL array literals for the append statement's column parameters, built in one pass.
 * `pg` turns a JS array parameter into the same text literal, but quotes and runs two regex
 * replaces on every element, numbers included: for a batch's dozen columns of a hundred
 * events that was about 1 µs per event (docs/postgres.md, "Where the time goes"). The
 * server receives the same kind of parameter as before (an untyped text literal, cast by
 * the function's signature), so nothing changes on the wire but the quoting of numbers.
 * @module
 */

/** `{"a","b\"c",NULL}`: every string quoted (so `NULL`, commas and braces stay text), `\` and `"` escaped. */
export function textArrayLiteral(values: readonly (string | null | undefined)[]): string {
  let literal = '{';
  let previous: string | undefined;
  let previousQuoted = '';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ',';
    const value = values[index];
    if (value === null || value === undefined) {
      literal += 'NULL';
      continue;
    }
    // Writer ids repeat through a batch: quote each distinct run once.
    if (value !== previous) {
      previous = value;
      previousQuoted = quoted(value);
    }
    literal += previousQuoted;
  }
  return `${literal}}`;
}

/** `{1,2,3}`: safe integers need no quotes. */
export function integerArrayLiteral(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function quoted(value: string): string {
  const plain = value.indexOf('\\') === -1 && value.indexOf('"') === -1;
  return plain ? `"${value}"` : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
