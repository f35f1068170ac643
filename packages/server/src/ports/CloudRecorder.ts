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
}
