import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MANIFEST_FILE, type RecordingManifest } from '../ports/RecordingProcessor.ts';

const Manifest = z.object({
  feeds: z.record(z.string(), z.object({ name: z.string(), screenMids: z.array(z.string()) })),
  pauses: z.array(z.object({ from: z.number(), to: z.number() })).optional(),
  speakers: z.array(z.object({ feed: z.string(), at: z.number() })).optional(),
});

/** The manifest Amphi wrote next to a recording's streams; an empty one when missing or unreadable. */
export async function readManifest(rawDir: string): Promise<RecordingManifest> {
  try {
    return Manifest.parse(JSON.parse(await fs.readFile(path.join(rawDir, MANIFEST_FILE), 'utf8')));
  } catch {
    return { feeds: {} };
  }
}
