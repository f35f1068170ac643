import { execFile, spawn, spawnSync, type ExecFileException } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { ConvertedDocument, ConversionTicket, DocumentConverter as DocumentConverterPort } from '../ports/DocumentConverter.ts';
import { FairLine, type FairLineLimits } from './FairLine.ts';

export type { ConvertedDocument } from '../ports/DocumentConverter.ts';

export interface DocumentConverterOptions {
  /** A directory for temporary files; each conversion uses its own fresh subdirectory, removed afterwards (also on failure). */
  workDir: string;
  log: Logger;
  /** Most time one LibreOffice conversion may take (default 120_000 ms); then it is killed (whole process group) and the upload is `document.malformed`. */
  timeoutMs?: number;
  /** Most pages a document may have (default 500): more is `document.too_large`. */
  maxPages?: number;
  /** At most this many conversions wait in line (default 16); more get AppError('http.rate_limited'). */
  maxQueue?: number;
  /** What one meeting, address and person may hold in the line (default 3, 6 and 2; see FairLine). */
  limits?: Partial<Omit<FairLineLimits, 'maxWaiting'>>;
}

const OOXML = ['pptx', 'ppsx', 'docx', 'xlsx'];
const ODF = ['odp', 'odt', 'ods'];
const OLE2 = ['ppt', 'pps', 'doc', 'xls'];
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');
const ACCEPTED = 'upload a PDF or an office document (PPTX, PPT, ODP, DOCX, DOC, ODT, XLSX, XLS, ODS, RTF)';
const NO_LIBREOFFICE =
  'this server cannot convert office documents: LibreOffice is not installed (apt-get install libreoffice-impress-nogui libreoffice-writer-nogui libreoffice-calc-nogui); upload a PDF instead';

const NO_ISOLATION =
  'this server cannot convert office documents safely: it cannot give LibreOffice a network namespace without network (util-linux `unshare`, as root or with unprivileged user namespaces); upload a PDF instead';

/**
 * The fresh profile each conversion starts from: no macros, linked pictures and other links from
 * the document not followed (BlockUntrustedRefererLinks), and spreadsheets not recalculated on
 * load (a WEBSERVICE() formula would fetch a URL). The empty network namespace is the wall; this is
 * the fence before it.
 */
const PROFILE = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
`;
/**
 * What one conversion may take besides time: address space (LibreOffice reserves ~1 GB at start),
 * the size of any file it writes, open files. (Processes cannot be capped this way: the limit
 * does not bind root, which LibreOffice is inside its namespace; the time limit and the kill of
 * its whole process group bound them.)
 */
const LIMITS = ['prlimit', '--as=4294967296', '--fsize=536870912', '--nofile=1024', '--'];

let isolationProbe: string[] | null | undefined;
/**
 * The command prefix that runs a program with no network at all: `unshare --net` as root, else
 * in a user namespace of its own (`--map-root-user`, where the kernel allows it); null when
 * neither works (office documents are then refused rather than converted with network).
 */
export function networkIsolation(): string[] | null {
  if (isolationProbe !== undefined) return isolationProbe;
  const candidates = [['unshare', '--net', '--'], ['unshare', '--net', '--map-root-user', '--']];
  isolationProbe = candidates.find((prefix) => spawnSync(prefix[0]!, [...prefix.slice(1), 'true'], { stdio: 'ignore', timeout: 5_000 }).status === 0) ?? null;
  return isolationProbe;
}

/**
 * Turns an upload into a PDF that browsers can show with pdf.js: PDFs are checked, office
 * documents are converted by LibreOffice first. What a file is comes from its bytes, so a
 * renamed executable is refused before any converter reads it. LibreOffice is heavy (a few
 * hundred MB, a core for seconds), so conversions run one at a time, in a short line that
 * serves meetings in turn (FairLine): a guest who uploads slow documents holds a few turns of
 * their own meeting, never another meeting's teacher behind all of them.
 */
export class DocumentConverter implements DocumentConverterPort {
  readonly #workDir: string;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #maxPages: number;
  readonly #line: FairLine;
  /** Office conversions admitted (running or waiting), so that close() can wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #anonymous = 0;
  #running: { kill(): void } | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: DocumentConverterOptions) {
    this.#workDir = options.workDir;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxPages = options.maxPages ?? 500;
    this.#line = new FairLine({ maxWaiting: options.maxQueue ?? 16, perMeeting: 3, perAddress: 6, perPerson: 2, ...options.limits });
  }

  /** Checks what the file is from its bytes (magic numbers), not from its name alone; converts office documents to PDF; validates the PDF and counts its pages. */
  async convert(data: Buffer, fileName: string, ticket?: ConversionTicket): Promise<ConvertedDocument> {
    this.#refuseIfClosed();
    const type = detect(data, fileName);
    if (type === 'pdf') return this.#inWorkDir(async (dir) => ({ pdf: data, pages: await this.#countPages(dir, data) }));
    const anonymous = `anonymous:${++this.#anonymous}`;
    const work = (async () => {
      const release = await this.#line.enter(ticket ?? { meeting: anonymous, address: anonymous, person: anonymous });
      try {
        this.#refuseIfClosed();
        return await this.#inWorkDir(async (dir) => {
          const pdf = await this.#toPdf(dir, data, type);
          return { pdf, pages: await this.#countPages(dir, pdf) };
        });
      } finally {
        release();
      }
    })();
    this.#inFlight.add(work);
    void work.catch(() => {}).finally(() => this.#inFlight.delete(work));
    return work;
  }

  /** Kills a conversion in progress and refuses new ones (idempotent). */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#running?.kill();
      // Each one waiting gets its turn and is refused at once (closed), one after the other.
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    })();
    return this.#closed;
  }

  #refuseIfClosed(): void {
    if (this.#closed) throw new AppError('internal', 'the document converter is shut down');
  }

  async #inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(this.#workDir, 'conversion-'));
    try {
      return await work(dir);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  async #toPdf(dir: string, data: Buffer, extension: string): Promise<Buffer> {
    // A generated name: the user's file name never reaches the disk or a command line.
    const input = path.join(dir, `upload.${extension}`);
    const outDir = path.join(dir, 'out');
    await fs.writeFile(input, data);
    this.#refuseIfClosed();
    const started = Date.now();
    await fs.mkdir(path.join(dir, 'profile', 'user'), { recursive: true });
    await fs.writeFile(path.join(dir, 'profile', 'user', 'registrymodifications.xcu'), PROFILE);
    const args = ['--headless', '--norestore', '--nolockcheck', '--nodefault', '--nologo', `-env:UserInstallation=${pathToFileURL(path.join(dir, 'profile')).href}`];
    // Its own process group (soffice is a script that starts oosplash, which starts soffice.bin),
    // so that a kill reaches all three. HOME and TMPDIR point into dir, so nothing is left behind.
    // In a network namespace of its own, with nothing in it: a document's linked pictures and
    // other external references cannot make the server reach any address (hole 1 of the audit).
    const isolation = networkIsolation();
    if (!isolation) throw new AppError('document.unsupported', NO_ISOLATION);
    const child = spawn(isolation[0]!, [...isolation.slice(1), ...LIMITS, 'soffice', ...args, '--convert-to', 'pdf', '--outdir', outDir, input], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Only what LibreOffice needs: none of Amphi's secrets (database URL, SMTP password…) reach it.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, LANG: 'C.UTF-8' },
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    this.#running = { kill };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, this.#timeoutMs);
    // 'close' comes once every process holding the pipes (the whole group) has gone.
    const exit = await new Promise<{ code: number | null; error?: NodeJS.ErrnoException }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      child.once('close', (code) => resolve({ code }));
    }).finally(() => {
      clearTimeout(timer);
      this.#running = undefined;
    });
    // soffice.bin can outlive the launcher by a moment (it closes its pipes before it exits):
    // finish the group off and wait for it, so that the next conversion really runs alone.
    if (child.pid) await endGroup(child.pid);
    const log = this.#log.child({ extension, bytes: data.length });
    // (unshare and prlimit run it: a missing soffice is their exit status 127.)
    if (exit.error?.code === 'ENOENT' || (exit.code === 127 && /soffice|prlimit/.test(output))) throw new AppError('document.unsupported', NO_LIBREOFFICE, { cause: exit.error });
    if (exit.error) throw new AppError('internal', 'could not start LibreOffice', { cause: exit.error });
    this.#refuseIfClosed();
    const failed = (message: string) => {
      log.warn('document conversion failed', { ms: Date.now() - started, code: exit.code, timedOut, output: output.trim() });
      return new AppError('document.malformed', message);
    };
    if (timedOut) throw failed(`converting the document took more than ${Math.round(this.#timeoutMs / 1000)} s; try exporting it as PDF yourself`);
    // soffice exits 0 when it cannot load a file: only a PDF on disk says it worked.
    const pdf = await fs.readFile(path.join(outDir, 'upload.pdf')).catch(() => undefined);
    if (exit.code !== 0 || !pdf) {
      if (ODF.includes(extension) && declaresEncryption(data)) throw new AppError('document.encrypted', 'this document is protected by a password; remove the password and upload it again');
      throw failed('LibreOffice could not read this document; try exporting it as PDF yourself');
    }
    log.info('document converted', { ms: Date.now() - started, pdfBytes: pdf.length });
    return pdf;
  }

  /** The number of pages, from poppler's pdfinfo, which also tells a PDF needing a password from a broken one. */
  async #countPages(dir: string, pdf: Buffer): Promise<number> {
    const file = path.join(dir, 'document.pdf');
    await fs.writeFile(file, pdf);
    const result = await new Promise<{ stdout: string; stderr: string; error: ExecFileException | null }>((resolve) => {
      execFile('pdfinfo', [file], { timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
    });
    if (result.error?.code === 'ENOENT') throw new AppError('internal', 'pdfinfo is missing: install it with "apt-get install poppler-utils"', { cause: result.error });
    if (result.error && /incorrect password/i.test(result.stderr)) throw new AppError('document.encrypted', 'this PDF is protected by a password; remove the password and upload it again');
    const pages = Number(/^Pages:\s*(\d+)\s*$/m.exec(result.stdout)?.[1] ?? 0);
    if (result.error || pages === 0) {
      this.#log.warn('unreadable PDF', { stderr: result.stderr.trim().slice(-500) });
      throw new AppError('document.malformed', 'this PDF is damaged or incomplete', { cause: result.error });
    }
    if (pages > this.#maxPages) throw new AppError('document.too_large', `this document has ${pages} pages; at most ${this.#maxPages} can be presented`);
    return pages;
  }
}

/** What the bytes say the file is: 'pdf', or the extension to give LibreOffice for an office document. */
function detect(data: Buffer, fileName: string): string {
  const extension = path.extname(fileName).slice(1).toLowerCase();
  // PDF readers accept up to 1024 bytes of junk before the header; so do we.
  const header = data.subarray(0, 1024 + 5).indexOf('%PDF-');
  if (header >= 0) return 'pdf';
  if (startsWith(data, ZIP_MAGIC) && (OOXML.includes(extension) || ODF.includes(extension))) return extension;
  if (startsWith(data, OLE2_MAGIC)) {
    // Office keeps a password-protected OOXML file in an OLE2 container, as a stream of that name.
    if (data.includes(ENCRYPTED_PACKAGE)) throw new AppError('document.encrypted', 'this document is protected by a password; remove the password and upload it again');
    if (OLE2.includes(extension)) return extension;
    // An old .doc renamed .docx: LibreOffice reads it by its content.
    if (OOXML.includes(extension)) return extension.slice(0, -1);
  }
  if (data.subarray(0, 5).toString('latin1') === '{\\rtf') return 'rtf';
  throw new AppError('document.unsupported', `this file is not a document Amphi can present; ${ACCEPTED}`);
}

function startsWith(data: Buffer, magic: Buffer): boolean {
  return data.length >= magic.length && data.subarray(0, magic.length).equals(magic);
}

/** Whether an ODF file's manifest declares encrypted entries, as a password-protected one does. */
function declaresEncryption(zip: Buffer): boolean {
  try {
    const end = zip.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    if (end < 0) return false;
    let at = zip.readUInt32LE(end + 16);
    for (let entries = zip.readUInt16LE(end + 10); entries > 0; entries--) {
      if (zip.readUInt32LE(at) !== 0x02014b50) return false;
      const nameLength = zip.readUInt16LE(at + 28);
      if (zip.toString('latin1', at + 46, at + 46 + nameLength) === 'META-INF/manifest.xml') {
        const local = zip.readUInt32LE(at + 42);
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const stored = zip.subarray(start, start + zip.readUInt32LE(at + 20));
        return (zip.readUInt16LE(at + 10) === 8 ? inflateRawSync(stored) : stored).includes('encryption-data');
      }
      at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    }
  } catch {
    /* not a zip we can read: then LibreOffice's failure stands */
  }
  return false;
}

/**
 * Kills what is left of a process group and waits (up to 2 s) until none of it runs. Zombies
 * do not count: in a container nobody may reap them, and they hold nothing.
 */
async function endGroup(pgid: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return; // ESRCH: nobody left in the group
  }
  for (let i = 0; i < 100 && (await liveInGroup(pgid)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Processes of the group that are not zombies, from /proc (Linux). */
async function liveInGroup(pgid: number): Promise<number> {
  let count = 0;
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') count++;
  }
  return count;
}
