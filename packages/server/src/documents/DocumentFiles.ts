import fs from 'node:fs/promises';
import path from 'node:path';
import type { DocumentStore } from '../ports/DocumentStore.ts';

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Documents on local disk: `<dir>/<meetingId>/<documentId>.pdf`, readable by Amphi only.
 * Live meetings do not survive a restart, so whatever is left at start is deleted.
 */
export class DocumentFiles implements DocumentStore {
  constructor(private readonly dir: string) {}

  /** Removes what a previous run left (its meetings are no longer live). */
  /** Removes every meeting's documents but those of `keep` (meetings that go on after a restart). */
  async sweep(keep: ReadonlySet<string> = new Set()): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o750 });
    for (const entry of await fs.readdir(this.dir)) {
      if (!keep.has(entry)) await fs.rm(path.join(this.dir, entry), { recursive: true, force: true });
    }
  }

  async put(meetingId: string, documentId: string, pdf: Buffer): Promise<void> {
    const file = this.#file(meetingId, documentId);
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
    // Written aside then renamed: a reader never sees half a file.
    await fs.writeFile(`${file}.part`, pdf, { mode: 0o640 });
    await fs.rename(`${file}.part`, file);
  }

  async read(meetingId: string, documentId: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.#file(meetingId, documentId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async remove(meetingId: string, documentId: string): Promise<void> {
    await fs.rm(this.#file(meetingId, documentId), { force: true });
  }

  async removeMeeting(meetingId: string): Promise<void> {
    if (!SAFE_ID.test(meetingId)) return;
    await fs.rm(path.join(this.dir, meetingId), { recursive: true, force: true });
  }

  #file(meetingId: string, documentId: string): string {
    // Ids are ours (meeting ids and UUIDs), checked anyway: nothing may escape the folder.
    if (!SAFE_ID.test(meetingId) || !SAFE_ID.test(documentId)) throw new Error('unsafe document path');
    return path.join(this.dir, meetingId, `${documentId}.pdf`);
  }
}
