/** What becomes of a cloud recording: recorded, then made into one MP4. */
export type RecordingStatus = 'recording' | 'processing' | 'ready' | 'failed';

/** A cloud recording as stored (the MP4 is `<recordings dir>/<id>.mp4` once ready). */
export interface RecordingRecord {
  id: string;
  meetingId: string;
  /** The staff member who started it: it is theirs (library, email, retention warning). */
  ownerId: string;
  title: string;
  startedAt: string;
  endedAt: string | null;
  status: RecordingStatus;
  /** Seconds of MP4, once ready. */
  durationS: number | null;
  bytes: number | null;
  /** When the retention job deletes it (set when it becomes ready). */
  expiresAt: string | null;
  error: string | null;
}

/**
 * Where the domain records that a recording started, stopped, and how its processing ended
 * (storage implements it). Recordings still "recording" or "processing" at start were cut
 * short by a crash and are processed from what was written.
 */
export interface RecordingCatalog {
  create(input: { id: string; meetingId: string; ownerId: string; title: string; startedAt: Date }): Promise<RecordingRecord>;
  update(id: string, change: Partial<Pick<RecordingRecord, 'endedAt' | 'status' | 'durationS' | 'bytes' | 'expiresAt' | 'error'>>): Promise<void>;
  byId(id: string): Promise<RecordingRecord | undefined>;
  /** Recordings a crash left unfinished (status recording or processing). */
  unfinished(): Promise<RecordingRecord[]>;
}
