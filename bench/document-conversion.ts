/*
 * Document conversion: wall time and peak memory of turning office files into PDFs with
 * LibreOffice (what a presenter waits for after choosing a file), next to a PDF upload of the
 * same pages, which only goes through pdfinfo (the baseline, measured in the same run).
 *
 *   sudo ./amphi bench document-conversion            (3 runs of each by default)
 *   BENCH_RUNS=5 sudo -E ./amphi bench document-conversion
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../packages/server/src/Logger.ts';
import { DocumentConverter } from '../packages/server/src/documents/DocumentConverter.ts';
import { makeDocx, makePdf, makePptx } from '../tests/fixtures/documents.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-bench-convert-'));
const converter = new DocumentConverter({ workDir, log: createLogger('silent') });
const cases: [string, Buffer, string][] = [
  ['PDF, 20 pages (baseline: pdfinfo only)', await makePdf(20), 'baseline.pdf'],
  ['PPTX, 3 slides', await makePptx(3), 'slides.pptx'],
  ['PPTX, 20 slides', await makePptx(20), 'slides.pptx'],
  ['DOCX, 10 pages', await makeDocx(10), 'text.docx'],
];

console.log(`document conversion, median of ${RUNS} runs (${os.cpus().length} cores)`);
console.log('| document | size | pages | median ms | min ms | × baseline |');
console.log('|---|---|---|---|---|---|');
let baseline = 0;
for (const [what, data, name] of cases) {
  const times: number[] = [];
  let pages = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    pages = (await converter.convert(data, name)).pages;
    times.push(performance.now() - t0);
  }
  const m = median(times);
  if (baseline === 0) baseline = m;
  console.log(`| ${what} | ${(data.length / 1024).toFixed(0)} KiB | ${pages} | ${m.toFixed(0)} | ${Math.min(...times).toFixed(0)} | ${(m / baseline).toFixed(1)} |`);
}
await converter.close();
fs.rmSync(workDir, { recursive: true, force: true });
