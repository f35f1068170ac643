import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The built web client, read into memory: path ("/index.html") → file. */
export type ClientFiles = ReadonlyMap<string, { body: Buffer; type: string; gzip: Buffer | undefined }>;

/**
 * Reads the built web client once, at start: the files are few and small, and serving them from
 * memory keeps the hot path free of disk I/O.
 */
export function loadClientFiles(clientDir: string): ClientFiles {
  const files = new Map<string, { body: Buffer; type: string; gzip: Buffer | undefined }>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const body = fs.readFileSync(full);
        const type = TYPES[path.extname(entry.name)] ?? 'application/octet-stream';
        // Compressed once at start: the bundle is what a phone waits for before the pre-join screen.
        const gzip = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024 ? zlib.gzipSync(body, { level: 9 }) : undefined;
        files.set('/' + path.relative(clientDir, full).split(path.sep).join('/'), { body, type, gzip });
      }
    }
  };
  if (!fs.existsSync(path.join(clientDir, 'index.html'))) {
    throw new Error(`the web client is not built (no ${clientDir}/index.html): run "npm run build"`);
  }
  walk(clientDir);
  return files;
}

/** Serves the web client. Every page path that is not a file gets index.html (the client routes by itself). */
export function staticRoutes(app: FastifyInstance, files: ClientFiles, onPage: (req: FastifyRequest, reply: FastifyReply) => void = () => {}): void {
  const index = files.get('/index.html')!;

  const send = (req: FastifyRequest, reply: FastifyReply, file: { body: Buffer; type: string; gzip: Buffer | undefined }) => {
    reply.header('vary', 'accept-encoding');
    if (file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      reply.header('content-encoding', 'gzip');
      return reply.type(file.type).send(file.gzip);
    }
    return reply.type(file.type).send(file.body);
  };

  app.get('/*', async (req, reply) => {
    const urlPath = req.url.split('?')[0] ?? '/';
    const file = files.get(urlPath);
    if (file) {
      if (urlPath === '/index.html') onPage(req, reply);
      // Bundles carry a content hash in their name, vendored libraries their version: cache them for good.
      const immutable = /\/assets\/.*-[A-Z0-9]{8}\./i.test(urlPath) || /^\/vendor\/[a-z]+-\d+\.\d+\.\d+\//.test(urlPath);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return send(req, reply, file);
    }
    if (urlPath.startsWith('/api/') || urlPath.startsWith('/assets/') || urlPath.startsWith('/vendor/')) {
      return reply.code(404).type('application/json').send({ error: { code: 'http.not_found', message: 'not found' } });
    }
    reply.header('cache-control', 'no-cache');
    // A shared recording's page (/r/<token>) is for whoever was given the link, not for search engines.
    if (urlPath.startsWith('/r/')) reply.header('x-robots-tag', 'noindex, nofollow');
    onPage(req, reply);
    return send(req, reply, index);
  });
}
