/** Where the domain records who attended which session of a meeting (storage implements it). */
export interface AttendanceLog {
  sessionStarted(meetingId: string, sessionId: string, at: Date): Promise<void>;
  sessionEnded(sessionId: string, at: Date): Promise<void>;
  joined(sessionId: string, stay: { participantId: string; name: string; role: string; userId: string | null; at: Date }): Promise<void>;
  /** Records the leave with the name and role they had at the end. */
  left(sessionId: string, stay: { participantId: string; name: string; role: string; at: Date }): Promise<void>;
}
