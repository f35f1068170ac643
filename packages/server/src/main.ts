import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './Logger.ts';
import { startAmphi } from './app.ts';
import { loadClientFiles } from './http/staticRoutes.ts';
import { runAs } from './privileges.ts';

// The only module that reads process.*: everything else gets what it needs from here.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.cwd());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`amphi: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const client = loadClientFiles(fileURLToPath(new URL('../../client/dist', import.meta.url)));
  // Root is needed for nothing past this point: the process, and all it starts, become AMPHI_RUN_AS.
  if (config.runAs) {
    const account = runAs(config.runAs, config.dataDir);
    log.info('running as an unprivileged user', { user: account.name, uid: account.uid, dataDir: config.dataDir });
  } else if (process.getuid?.() === 0) {
    log.warn('running as root: set AMPHI_RUN_AS (sudo ./amphi up sets it to amphi) so that Amphi, Janus and the converters do not');
  }
  const amphi = await startAmphi(config, log, client);
  log.info('amphi started', { url: amphi.url, publicUrl: config.publicUrl.toString(), janusPid: amphi.janus?.pid });
  process.stdout.write(`\n  Amphi is running at ${config.publicUrl.toString()}\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    amphi.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`amphi: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
