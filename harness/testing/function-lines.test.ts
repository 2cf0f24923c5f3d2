// A function's own length (nested functions counted for themselves), and no product function longer than
// 80 lines of its own: a long function hides behind a short file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { functionLengths, longFunctions } from './function-lines';

test("a function's own lines leave out the functions nested in it, whose first line stays the parent's", () => {
  const text = [
    'export function outer(xs: number[]) {', // 1
    '  const a = 1;', // 2
    '  const ys = xs.map((x) => {', // 3: the callback starts here, on a line of outer's
    '    const b = x + a;', // 4
    '    return b;', // 5
    '  });', // 6
    '  const obj = {', // 7
    '    method() {', // 8
    '      return 2;', // 9
    '    },', // 10
    '  };', // 11
    '  return ys.length + obj.method();', // 12
    '}', // 13
    'class C {', // 14
    '  constructor() {}', // 15
    '  get v() {', // 16
    '    return 1;', // 17
    '  }', // 18
    '}', // 19
  ].join('\n');
  assert.deepEqual(
    functionLengths('x.ts', text).map((f) => [f.name, f.line, f.own]),
    [
      ['outer', 1, 13 - 3 - 2],
      ['(callback of xs.map)', 3, 4],
      ['method', 8, 3],
      ['constructor', 15, 1],
      ['v', 16, 3],
    ],
  );
});

test('no product function is longer than 80 lines of its own (tests, testing/ and fixtures aside)', () => {
  const root = path.resolve(__dirname, '..', '..');
  const long = longFunctions(root, 80).map((f) => ({
    at: `${f.file} ${f.name}`,
    where: `${f.file}:${f.line}`,
    own: f.own,
  }));
  assert.deepEqual(
    long.map((f) => `${f.where} ${f.at.split(' ')[1]}: ${f.own} lines`),
    [],
    'split these functions (node --require ./harness/testing/swc-register.js harness/testing/function-lines.ts lists them)',
  );
});
