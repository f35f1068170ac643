import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, isErrorCode } from './errors.ts';

/*
 * docs/errors.md is the clients' reference: every code in the catalogue must be documented
 * there, and the page must not document codes that do not exist (renamed or removed ones).
 */

const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const doc = fs.readFileSync(DOC_PATH, 'utf8');

/** Text outside fenced code blocks (the JSON examples there are not a list of codes). */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
}

/** Every inline-code token, `like.this`, in the prose. */
function inlineCode(markdown: string): string[] {
  return [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** Looks like an error code: lowercase words joined by dots (`protocol.malformed`). */
const CODE_LIKE = /^[a-z]+(?:\.[a-z_]+)+$/;

/** The code cell of each row of the codes table. */
function tableCodes(markdown: string): string[] {
  const codes: string[] = [];
  for (const line of prose(markdown).split('\n')) {
    const cell = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (cell) codes.push(cell[1]!);
  }
  return codes;
}

describe('docs/errors.md', () => {
  test('the helpers find what they look for (so the checks below can fail)', () => {
    const sample = '# t\n\n`a.b` and `x`\n\n```json\n{"code":"`c.d`"}\n```\n\n| `e.f` | 400 |\n';
    assert.deepEqual(inlineCode(sample), ['a.b', 'x', 'e.f']);
    assert.deepEqual(tableCodes(sample), ['e.f']);
    assert.ok(CODE_LIKE.test('protocol.out_of_order'));
    assert.ok(!CODE_LIKE.test('x-amphi-csrf: 1'));
  });

  test('documents every error code as `code`', () => {
    const tokens = new Set(inlineCode(doc));
    const missing = ERROR_CODES.filter((code) => !tokens.has(code));
    assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
  });

  test('names no code that does not exist', () => {
    const unknown = inlineCode(doc).filter((token) => CODE_LIKE.test(token) && !isErrorCode(token));
    assert.deepEqual(unknown, [], `docs/errors.md mentions codes that are not in ERROR_CODES: ${unknown.join(', ')}`);
  });

  test('the table has exactly one row per code, in catalogue order', () => {
    assert.deepEqual(tableCodes(doc), [...ERROR_CODES]);
  });

  test('every row gives an HTTP error status and who caused it', () => {
    const who = new Set(['client', 'user', 'not authorised', 'server']);
    for (const line of prose(doc).split('\n')) {
      const row = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
      if (!row) continue;
      const cells = row[2]!.split('|').map((c) => c.trim());
      assert.equal(cells.length, 3, `row for ${row[1]} should have 4 columns: ${line}`);
      assert.match(cells[0]!, /^[45]\d\d$/, `HTTP status of ${row[1]}`);
      assert.ok(who.has(cells[1]!), `"who caused it" of ${row[1]} is ${cells[1]}`);
      assert.ok(cells[2]!.length > 10, `meaning of ${row[1]}`);
    }
  });
});

describe('isErrorCode', () => {
  test('accepts every catalogue code and nothing else', () => {
    for (const code of ERROR_CODES) assert.ok(isErrorCode(code), code);
    for (const value of ['protocol', 'protocol.', 'PROTOCOL.MALFORMED', ' internal', 'toString', '', 1, null, undefined, {}]) {
      assert.equal(isErrorCode(value), false, String(value));
    }
  });

  test('codes are unique', () => {
    assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  });
});
