import { jsonNestingExceeds } from './json-body';

describe('jsonNestingExceeds', () => {
  const nest = (n: number, open = '{"a":', close = '}') => Buffer.from(open.repeat(n) + '1' + close.repeat(n));
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonNestingExceeds(nest(32), 32)).toBe(false);
    expect(jsonNestingExceeds(nest(33), 32)).toBe(true);
    expect(jsonNestingExceeds(nest(1600, '[', ']'), 32)).toBe(true);
    expect(jsonNestingExceeds(Buffer.from(JSON.stringify({ s: '[[[[[[[[[[{{{{{{{{{{'.repeat(10) })), 5)).toBe(false);
    expect(jsonNestingExceeds(Buffer.from(JSON.stringify({ s: 'quote \\" [[[[' })), 1)).toBe(false);
    expect(jsonNestingExceeds(Buffer.from('[{},{},[],[]]'), 2)).toBe(false);
  });
});
