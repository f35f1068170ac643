import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  makeDocx,
  makeEncryptedOdp,
  makeEncryptedPdf,
  makeOdp,
  makeOdtLinkingTo,
  makeOwnerPasswordPdf,
  makePdf,
  makePptx,
  makeTruncatedPdf,
  makeUnconvertibleOffice,
  PAGE_COLORS,
  pagePixel,
  type Rgb,
} from '../../../../tests/fixtures/documents.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../Logger.ts';
import { DocumentConverter, type DocumentConverterOptions } from './DocumentConverter.ts';

// Real LibreOffice and poppler, as in production; each test gets a fresh work directory.
const opened: { converter: DocumentConverter; workDir: string }[] = [];
function converter(options: Partial<DocumentConverterOptions> = {}): DocumentConverter {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-converter-test-'));
  const created = new DocumentConverter({ workDir, log: createLogger('silent'), ...options });
  opened.push({ converter: created, workDir });
  return created;
}

afterEach(async () => {
  for (const { converter, workDir } of opened.splice(0)) {
    try {
      await converter.close();
      assert.deepEqual(fs.readdirSync(workDir), [], 'each conversion removes its directory');
      assert.deepEqual(await processesMentioning(workDir), [], 'no LibreOffice is left running');
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }
});

async function processesMentioning(text: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-f', '-a', text]);
    return stdout.trim().split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function workDirOf(c: DocumentConverter): string {
  const found = opened.find((o) => o.converter === c);
  assert.ok(found);
  return found.workDir;
}

/** Resolves once LibreOffice proper (soffice.bin, not its launcher script) is working under workDir. */
async function libreOfficeRunsIn(workDir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await processesMentioning(workDir)).some((line) => line.includes('soffice.bin'))) {
    assert.ok(Date.now() < deadline, 'LibreOffice did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a rejection');
}

function near(actual: Rgb, expected: Rgb): boolean {
  return actual.every((v, i) => Math.abs(v - (expected[i] ?? -999)) <= 12);
}

async function assertPageColors(pdf: Buffer, pages: number): Promise<void> {
  for (let page = 1; page <= pages; page++) {
    const color = await pagePixel(pdf, page);
    const expected = PAGE_COLORS[(page - 1) % PAGE_COLORS.length]!;
    assert.ok(near(color, expected), `page ${page} is ${color}, expected ${expected}`);
  }
}

describe('DocumentConverter', { timeout: 180_000 }, () => {
  test('a PDF passes as it is, with its page count', async () => {
    const pdf = await makePdf(4);
    const converted = await converter().convert(pdf, 'slides.pdf');
    assert.equal(converted.pages, 4);
    assert.ok(converted.pdf.equals(pdf));
    await assertPageColors(converted.pdf, 4);
  });

  test('what the bytes say wins over the name; junk before %PDF- is tolerated, as readers do', async () => {
    const pdf = await makePdf(2);
    assert.equal((await converter().convert(pdf, 'renamed.pptx')).pages, 2);
    assert.equal((await converter().convert(Buffer.concat([Buffer.alloc(1000, 0x20), pdf]), 'prefixed.pdf')).pages, 2);
  });

  test('a PPTX becomes a PDF with one page per slide, colours intact', async () => {
    const converted = await converter().convert(await makePptx(3), 'Lecture 1.PPTX');
    assert.equal(converted.pages, 3);
    assert.equal(converted.pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    await assertPageColors(converted.pdf, 3);
  });

  test('ODP and DOCX convert too', async () => {
    const odp = await converter().convert(await makeOdp(2), 'talk.odp');
    assert.equal(odp.pages, 2);
    await assertPageColors(odp.pdf, 2);
    const docx = await converter().convert(await makeDocx(3), 'handout.docx');
    assert.equal(docx.pages, 3);
    await assertPageColors(docx.pdf, 3);
  });

  test('anything else is document.unsupported', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    const zip = makeUnconvertibleOffice();
    const ole2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    const c = converter();
    for (const [data, name] of [
      [png, 'photo.png'],
      [png, 'photo.pdf'],
      [Buffer.from('just some notes\n'), 'notes.txt'],
      [Buffer.from('just some notes\n'), 'notes.docx'],
      [Buffer.alloc(0), 'empty.pdf'],
      [elf, 'slides.pptx'],
      [zip, 'archive.zip'],
      [zip, 'no-extension'],
      [ole2, 'installer.msi'],
    ] as const) {
      assert.equal(await codeOf(c.convert(data, name)), 'document.unsupported', name);
    }
  });

  test('a PDF that needs a password is document.encrypted; one with only an owner password opens', async () => {
    const c = converter();
    assert.equal(await codeOf(c.convert(await makeEncryptedPdf(), 'secret.pdf')), 'document.encrypted');
    assert.equal((await c.convert(await makeOwnerPasswordPdf(), 'restricted.pdf')).pages, 1);
  });

  test('password-protected office files are document.encrypted', async () => {
    const c = converter();
    // Office wraps an encrypted .pptx in an OLE2 container holding an "EncryptedPackage" stream:
    // the bytes tell, no LibreOffice needed (the real thing needs Office or msoffcrypto to make).
    const ole2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(1000), Buffer.from('EncryptedPackage', 'utf16le'), Buffer.alloc(100)]);
    assert.equal(await codeOf(c.convert(ole2, 'protected.pptx')), 'document.encrypted');
    assert.equal(await codeOf(c.convert(ole2, 'protected.ppt')), 'document.encrypted');
    // LibreOffice refuses it (it does not hang asking for the password); the manifest says why.
    assert.equal(await codeOf(c.convert(makeEncryptedOdp(), 'protected.odp')), 'document.encrypted');
  });

  test('a truncated PDF and an office file LibreOffice cannot read are document.malformed', async () => {
    const c = converter();
    assert.equal(await codeOf(c.convert(makeTruncatedPdf(), 'broken.pdf')), 'document.malformed');
    assert.equal(await codeOf(c.convert(makeUnconvertibleOffice(), 'broken.pptx')), 'document.malformed');
    const pdf = await makePdf(3);
    assert.equal(await codeOf(c.convert(pdf.subarray(0, pdf.length / 2), 'half.pdf')), 'document.malformed');
  });

  test('more pages than maxPages is document.too_large, whether uploaded or converted', async () => {
    const c = converter({ maxPages: 2 });
    assert.equal(await codeOf(c.convert(await makePdf(3), 'long.pdf')), 'document.too_large');
    assert.equal(await codeOf(c.convert(await makePptx(3), 'long.pptx')), 'document.too_large');
    assert.equal((await c.convert(await makePdf(2), 'short.pdf')).pages, 2);
  });

  test('a conversion past timeoutMs is killed, all of LibreOffice with it, and is document.malformed', async () => {
    const pptx = await makePptx(20); // about 1.5 s of work
    const c = converter({ timeoutMs: 500 });
    const started = Date.now();
    const result = codeOf(c.convert(pptx, 'slow.pptx'));
    await libreOfficeRunsIn(workDirOf(c));
    assert.equal(await result, 'document.malformed');
    // Killing only the soffice script would leave soffice.bin to finish its work, much later.
    assert.ok(Date.now() - started < 1_000, `it ends right after the timeout, not ${Date.now() - started} ms later`);
    // afterEach checks that no process mentions the work directory and that it is empty.
  });

  test('conversions run one at a time; past maxQueue waiting, uploads are http.rate_limited', async () => {
    const pptx = await makePptx(3);
    const pdf = await makePdf(1);
    const c = converter({ maxQueue: 1 });
    const first = c.convert(pptx, 'a.pptx');
    const second = c.convert(pptx, 'b.pptx');
    assert.equal(await codeOf(c.convert(pptx, 'c.pptx')), 'http.rate_limited');
    assert.equal((await c.convert(pdf, 'd.pdf')).pages, 1, 'PDFs need no LibreOffice and do not wait');
    let settled = false;
    const both = Promise.all([first, second]).finally(() => (settled = true));
    let most = 0;
    while (!settled) {
      // Counted by conversion (its own profile), not by process: LibreOffice restarts soffice.bin
      // once on a fresh profile, and for a moment the old and new one are both listed.
      const conversions = new Set((await processesMentioning(workDirOf(c))).filter((line) => line.includes('soffice.bin')).map((line) => /UserInstallation=(\S+)/.exec(line)?.[1] ?? line));
      most = Math.max(most, conversions.size);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(most, 1, 'one LibreOffice at a time');
    assert.deepEqual((await both).map((d) => d.pages), [3, 3]);
    assert.equal((await c.convert(pptx, 'e.pptx')).pages, 3, 'the line has room again');
  });

  test('close() kills the conversion in progress and refuses new ones; twice is fine', async () => {
    const pptx = await makePptx(20);
    const c = converter();
    const running = c.convert(pptx, 'a.pptx');
    const waiting = c.convert(pptx, 'b.pptx');
    await libreOfficeRunsIn(workDirOf(c));
    // Past its start-up, when soffice.bin no longer dies with its launcher.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closing = Date.now();
    await Promise.all([c.close(), c.close()]);
    assert.ok(Date.now() - closing < 500, 'close() does not wait for the conversion to finish');
    assert.equal(await codeOf(running), 'internal');
    assert.equal(await codeOf(waiting), 'internal');
    assert.equal(await codeOf(c.convert(await makePdf(1), 'late.pdf')), 'internal');
  });

  test('without LibreOffice, office documents are document.unsupported; without pdfinfo, the error says what to install', async () => {
    const pdf = await makePdf(1);
    const pptx = await makePptx(1);
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const c = converter();
      assert.equal(await codeOf(c.convert(pptx, 'a.pptx')), 'document.unsupported');
      await assert.rejects(c.convert(pdf, 'a.pdf'), (err) => err instanceof AppError && err.code === 'internal' && err.message.includes('poppler-utils'));
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('LibreOffice on the server reaches no network', () => {
  test('a document linking a picture from an address on the server’s network converts without fetching it', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_1PX);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const converted = await converter().convert(makeOdtLinkingTo(`http://127.0.0.1:${port}/internal/secret.png`), 'ssrf.odt');
      assert.equal(converted.pages, 1, 'the document itself converts');
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(requests, [], 'LibreOffice made no request');
    } finally {
      server.close();
    }
  });
});

describe('LibreOffice runs fenced in', () => {
  test('with limits on memory, file size and open files, and a profile that blocks links and macros', async () => {
    const c = converter();
    const running = c.convert(await makePptx(20), 'big.pptx');
    const workDir = workDirOf(c);
    await libreOfficeRunsIn(workDir);
    const line = (await processesMentioning(workDir)).find((l) => l.includes('soffice.bin'))!;
    const pid = Number(line.split(' ')[0]);
    const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
    assert.match(limits, /Max address space\s+4294967296\s+4294967296/);
    assert.match(limits, /Max file size\s+536870912\s+536870912/);
    assert.match(limits, /Max open files\s+1024\s+1024/);
    const profile = /UserInstallation=file:\/\/(\S+)/.exec(line)![1]!;
    const settings = fs.readFileSync(path.join(decodeURIComponent(profile), 'user', 'registrymodifications.xcu'), 'utf8');
    for (const key of ['BlockUntrustedRefererLinks', 'DisableMacrosExecution', 'OOXMLRecalcMode', 'ODFRecalcMode']) assert.match(settings, new RegExp(`oor:name="${key}"`));
    assert.equal((await running).pages, 20, 'and converts as before');
  });
});

/** The smallest PNG: one transparent pixel. */
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
