import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../Logger.ts';
import type { Mailer, OutgoingMail } from '../ports/Mailer.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';

const DAY_MS = 86_400_000;
/** Owners are told this long before their recording is deleted. */
export const WARNING_DAYS = 7;

/** When a recording that became ready at `readyAt` is deleted. */
export function expiryOf(readyAt: Date, retentionDays: number): Date {
  return new Date(readyAt.getTime() + retentionDays * DAY_MS);
}

/** Recording ids become file names: nothing that could leave the recordings folder. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Where a recording's files are: the MP4 once ready, and the raw files it was made from. */
export function recordingFiles(dir: string, id: string): { mp4: string; raw: string } {
  if (!SAFE_ID.test(id)) throw new Error(`unsafe recording id ${JSON.stringify(id)}`);
  return { mp4: path.join(dir, `${id}.mp4`), raw: path.join(dir, id) };
}

/** Deletes the MP4 and the raw folder of a recording (either may already be gone). */
export async function removeRecordingFiles(dir: string, id: string): Promise<void> {
  const files = recordingFiles(dir, id);
  await fs.rm(files.mp4, { force: true });
  await fs.rm(files.raw, { recursive: true, force: true });
}

/** What the retention job needs from the recordings catalogue (storage's RecordingRepository). */
export interface RetentionCatalog {
  /** Ready recordings whose expires_at is strictly before `at`. */
  expiringBefore(at: Date): Promise<RecordingRecord[]>;
  /** Ready recordings expiring strictly before `at` whose owner was not warned yet. */
  toWarn(at: Date): Promise<RecordingRecord[]>;
  markWarned(id: string, at: Date): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface RetentionJobOptions {
  /** Deleting a recording from the catalogue deletes its share links with it. */
  catalog: RetentionCatalog;
  /** Share links of recordings; expired ones are forgotten on each run. */
  shares?: { deleteExpired(now: Date): Promise<number> } | undefined;
  /** Finds the owner to warn. */
  users: { byId(id: string): Promise<{ email: string; name: string } | undefined> };
  /** Undefined when no SMTP server is configured: nobody can be warned. */
  mailer: Mailer | undefined;
  /** The recordings folder. */
  dir: string;
  retentionDays: number;
  publicUrl: URL;
  log: Logger;
}

/**
 * Deletes cloud recordings once their retention is over (MP4, raw files, record and share links),
 * forgets share links that expired, and warns owners by email a week before a deletion. Runs are serialised: a run started while another is under way
 * waits for it, so nobody is warned twice.
 */
export class RetentionJob {
  readonly #o: RetentionJobOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: RetentionJobOptions) {
    this.#o = options;
  }

  /** One pass at `now`: what it deleted and which recordings' owners it warned. */
  run(now: Date): Promise<{ deleted: string[]; warned: string[] }> {
    const result = this.#queue.then(() => this.#run(now));
    this.#queue = result.catch(() => {});
    return result;
  }

  async #run(now: Date): Promise<{ deleted: string[]; warned: string[] }> {
    const deleted = await this.#deleteExpired(now);
    await this.#forgetExpiredShares(now);
    const warned = await this.#warn(now);
    return { deleted, warned };
  }

  async #forgetExpiredShares(now: Date): Promise<void> {
    const { shares, log } = this.#o;
    if (!shares) return;
    try {
      const count = await shares.deleteExpired(now);
      if (count > 0) log.info('expired recording links forgotten', { count });
    } catch (err) {
      log.error('could not forget expired recording links', { err: String(err) });
    }
  }

  async #deleteExpired(now: Date): Promise<string[]> {
    const { catalog, dir, log } = this.#o;
    const deleted: string[] = [];
    // expiringBefore is strict: one millisecond later includes what expires exactly now.
    for (const r of await catalog.expiringBefore(new Date(now.getTime() + 1))) {
      try {
        // Files first: if that fails the record stays and the next run tries again.
        await removeRecordingFiles(dir, r.id);
        await catalog.delete(r.id);
        deleted.push(r.id);
        log.info('recording deleted', { reason: 'retention', recording: r.id, meeting: r.meetingId, owner: r.ownerId, title: r.title, startedAt: r.startedAt, expiresAt: r.expiresAt });
      } catch (err) {
        log.error('could not delete an expired recording', { recording: r.id, err: String(err) });
      }
    }
    return deleted;
  }

  async #warn(now: Date): Promise<string[]> {
    const { catalog, users, mailer, log } = this.#o;
    const due = await catalog.toWarn(new Date(now.getTime() + WARNING_DAYS * DAY_MS));
    if (due.length === 0) return [];
    if (!mailer) {
      log.warn('cannot warn owners that their recordings will soon be deleted: no mail server configured (AMPHI_SMTP_URL)', { recordings: due.map((r) => r.id) });
      return [];
    }
    const byOwner = new Map<string, RecordingRecord[]>();
    for (const r of due) byOwner.set(r.ownerId, [...(byOwner.get(r.ownerId) ?? []), r]);
    const warned: string[] = [];
    for (const [ownerId, recordings] of byOwner) {
      const owner = await users.byId(ownerId);
      if (!owner) continue;
      try {
        await mailer.send(retentionWarning({ to: owner.email, name: owner.name, recordings, retentionDays: this.#o.retentionDays, link: new URL('/', this.#o.publicUrl).toString() }));
      } catch (err) {
        log.warn('could not warn the owner of recordings that will soon be deleted', { owner: ownerId, recordings: recordings.map((r) => r.id), err: String(err) });
        continue;
      }
      for (const r of recordings) {
        await catalog.markWarned(r.id, now);
        warned.push(r.id);
      }
      log.info('warned the owner of recordings that will soon be deleted', { owner: ownerId, recordings: recordings.map((r) => r.id) });
    }
    return warned;
  }
}

function formatDate(iso: string, locale: string): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

/** The warning email, in English then French (the owner's language is not known). */
export function retentionWarning(input: { to: string; name: string; recordings: RecordingRecord[]; retentionDays: number; link: string }): OutgoingMail {
  const expiry = (r: RecordingRecord, locale: string) => (r.expiresAt ? formatDate(r.expiresAt, locale) : '?');
  const en = [
    `Hello ${input.name},`,
    '',
    `Cloud recordings are kept ${input.retentionDays} days. These will be deleted automatically:`,
    ...input.recordings.map((r) => `- “${r.title}” (recorded ${formatDate(r.startedAt, 'en-GB')}): deleted on ${expiry(r, 'en-GB')}`),
    '',
    `Download the ones you want to keep from your recordings: ${input.link}`,
  ];
  const fr = [
    `Bonjour ${input.name},`,
    '',
    `Les enregistrements dans le cloud sont conservés ${input.retentionDays} jours. Ceux-ci seront supprimés automatiquement :`,
    ...input.recordings.map((r) => `- « ${r.title} » (enregistré le ${formatDate(r.startedAt, 'fr-FR')}) : supprimé le ${expiry(r, 'fr-FR')}`),
    '',
    `Téléchargez ceux que vous voulez garder depuis vos enregistrements : ${input.link}`,
  ];
  return {
    to: input.to,
    subject: 'Recordings to be deleted soon / Enregistrements bientôt supprimés',
    text: [...en, '', '—', '', ...fr, ''].join('\n'),
  };
}
