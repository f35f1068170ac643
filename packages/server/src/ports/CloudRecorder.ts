import type { RecordingManifest } from './RecordingProcessor.ts';

/**
 * Keeps cloud recordings: stores them, gives the media server a folder to write into, and makes
 * the MP4 when a recording ends (in the background; the owner is told when it is ready).
 */
export interface CloudRecorder {
  /** A new recording, stored as "recording"; the folder the media server must write into. */
  begin(input: { meetingId: string; ownerId: string; title: string }): Promise<{ id: string; rawDir: string }>;
  /** Who sends what, for the layout (written again when it changes). */
  describe(id: string, manifest: RecordingManifest): Promise<void>;
  /** Whether the recordings disk has room for more (checked before and while recording). */
  hasRoom(): Promise<boolean>;
  /** The recording stopped: it is processed into an MP4 in the background. */
  end(id: string): void;
  /**
   * After a restart of Amphi, a recording its meeting goes on with: its folder, what its
   * manifest says so far, and when the media server last wrote into it (where the downtime
   * begins). Undefined when it cannot go on (already processed, or its files are gone).
   */
  carryOn(id: string): Promise<{ rawDir: string; manifest: RecordingManifest; mediaUntil: Date } | undefined>;
}
