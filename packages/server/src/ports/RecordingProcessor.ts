/**
 * Makes one MP4 out of what the media server recorded of a meeting (a folder of per-stream
 * files and Amphi's manifest of who sent what).
 */
export interface RecordingProcessor {
  /** While the recording goes on: makes what can already be made, so little is left when it stops. */
  advance(rawDir: string, signal?: AbortSignal): Promise<void>;
  /** The recording stopped (or was cut short): makes the MP4. */
  process(rawDir: string, outFile: string): Promise<{ durationS: number; bytes: number }>;
}

/** Written by the domain next to the media server's files: which feed is whose, and which stream is a screen. */
export interface RecordingManifest {
  feeds: Record<string, { name: string; screenMids: string[] }>;
  /** When the recording was paused (Unix ms): left out of the MP4. */
  pauses?: { from: number; to: number }[];
  /** Who started talking when (Unix ms), for the active speaker's picture. */
  speakers?: { feed: string; at: number }[];
}

export const MANIFEST_FILE = 'amphi-manifest.json';
