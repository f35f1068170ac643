/**
 * Where the PDFs of a live meeting's documents are kept (local disk by default). They belong
 * to the meeting while it is live and are deleted with it.
 */
export interface DocumentStore {
  put(meetingId: string, documentId: string, pdf: Buffer): Promise<void>;
  /** The PDF, or undefined when it is not there (removed, or never stored). */
  read(meetingId: string, documentId: string): Promise<Buffer | undefined>;
  remove(meetingId: string, documentId: string): Promise<void>;
  removeMeeting(meetingId: string): Promise<void>;
}
