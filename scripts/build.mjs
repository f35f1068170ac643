// Builds Amphi: type-checks everything, bundles the server (dependencies stay in node_modules)
// and the web client (one hashed JS and CSS file plus index.html). Run with `npm run build`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const skipTypecheck = process.argv.includes('--no-typecheck');

if (!skipTypecheck) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
}

// Workspace packages (@amphi/*) are bundled from source; everything else is loaded from node_modules at run time.
const externalDeps = {
  name: 'external-deps',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@amphi/') ? undefined : { path: args.path, external: true }));
  },
};

const serverOut = path.join(root, 'packages/server/dist');
fs.rmSync(serverOut, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(root, 'packages/server/src/main.ts')],
  outfile: path.join(serverOut, 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  plugins: [externalDeps],
  logLevel: 'warning',
});

// zod re-exports every language's error messages (about 260 KB minified) through one index
// module; the client never shows zod's messages, so only English is bundled.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)) return undefined;
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

const clientSrc = path.join(root, 'packages/client/src');
const clientOut = path.join(root, 'packages/client/dist');
fs.rmSync(clientOut, { recursive: true, force: true });

// pdf.js (documents presented in meetings) is served as published, loaded by the client only
// when a document is shown: it and its worker are 1.7 MB that nobody else should wait for.
const pdfjsDir = path.join(root, 'node_modules/pdfjs-dist');
const pdfjsVersion = JSON.parse(fs.readFileSync(path.join(pdfjsDir, 'package.json'), 'utf8')).version;
const pdfjsBase = `/vendor/pdfjs-${pdfjsVersion}/`;
const pdfjsOut = path.join(clientOut, pdfjsBase);
fs.mkdirSync(pdfjsOut, { recursive: true });
for (const file of ['build/pdf.min.mjs', 'build/pdf.worker.min.mjs']) fs.copyFileSync(path.join(pdfjsDir, file), path.join(pdfjsOut, path.basename(file)));
for (const dir of ['standard_fonts', 'cmaps']) fs.cpSync(path.join(pdfjsDir, dir), path.join(pdfjsOut, dir), { recursive: true });
fs.copyFileSync(path.join(pdfjsDir, 'LICENSE'), path.join(pdfjsOut, 'LICENSE'));
const result = await esbuild.build({
  entryPoints: [path.join(clientSrc, 'main.tsx')],
  outdir: path.join(clientOut, 'assets'),
  entryNames: 'app-[hash]',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', 'process.env.PDFJS_BASE': JSON.stringify(pdfjsBase) },
  metafile: true,
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
});
const outputs = Object.keys(result.metafile.outputs).map((p) => '/' + path.relative(clientOut, path.resolve(root, p)).split(path.sep).join('/'));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
if (!js || !css) throw new Error('client build produced no JS or CSS');
const html = fs.readFileSync(path.join(clientSrc, 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css);
fs.writeFileSync(path.join(clientOut, 'index.html'), html);
console.log(`built server → ${path.relative(root, serverOut)}/main.js, client → ${path.relative(root, clientOut)} (${js}, ${css})`);
