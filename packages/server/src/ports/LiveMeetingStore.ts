/** A live meeting's snapshot as storage keeps it (the text of a MeetingSnapshot). */
export interface StoredLiveMeeting {
  meetingId: string;
  snapshot: string;
  updatedAt: Date;
}

/** Where live meetings' snapshots are kept so that they outlive the process (SQLite or PostgreSQL). */
export interface LiveMeetingStore {
  /** Writes (or replaces) the meeting's snapshot. */
  save(meetingId: string, snapshot: string, at: Date): Promise<void>;
  /** The meeting is no longer live. */
  remove(meetingId: string): Promise<void>;
  all(): Promise<StoredLiveMeeting[]>;
}
