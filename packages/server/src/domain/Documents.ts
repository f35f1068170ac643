import crypto from 'node:crypto';
import { MAX_MEETING_DOCUMENTS, type DocumentInfo } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { DocumentStore } from '../ports/DocumentStore.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import { isModerator, mayShare } from './permissions.ts';

/** What documents need of the meeting: where files are kept, and the stage and drawings that show them. */
export interface DocumentsHost extends MeetingContext {
  readonly documentStore?: DocumentStore | undefined;
  readonly stage: { documentRemoved(documentId: string): void };
  readonly annotations: { dropDocument(documentId: string): void };
}

/**
 * The documents uploaded to a live meeting (their PDFs live in a DocumentStore, owned by the
 * HTTP edge that writes them). They last as long as the meeting is live.
 */
export class Documents {
  readonly #documents = new Map<string, DocumentInfo>();

  constructor(private readonly meeting: DocumentsHost) {}

  restore(documents: DocumentInfo[]): void {
    for (const d of documents) this.#documents.set(d.id, d);
  }

  list(): DocumentInfo[] {
    return [...this.#documents.values()];
  }

  get(id: string): DocumentInfo | undefined {
    return this.#documents.get(id);
  }

  require(id: string): DocumentInfo {
    const doc = this.#documents.get(id);
    if (!doc) throw new AppError('document.not_found', 'no such document in this meeting');
    return doc;
  }

  /** May this participant upload (checked before the upload is read, and again when it is added). */
  assertMayUpload(p: Participant): void {
    if (!mayShare(p, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'the host does not allow participants to present');
    if (this.#documents.size >= MAX_MEETING_DOCUMENTS) throw new AppError('document.too_large', `a meeting holds at most ${MAX_MEETING_DOCUMENTS} documents; remove one first`);
  }

  /** A fresh id for a document about to be stored. */
  newId(): string {
    return crypto.randomUUID();
  }

  /** The upload is converted and stored: everyone sees it in the list. */
  add(by: Participant, doc: { id: string; name: string; pages: number }): DocumentInfo {
    this.assertMayUpload(by);
    const info: DocumentInfo = { ...doc, downloadable: false, uploadedBy: { id: by.id, name: by.name } };
    this.#documents.set(info.id, info);
    this.#announce();
    return info;
  }

  setDownloadable(by: Participant, id: string, downloadable: boolean): void {
    const doc = this.require(id);
    this.#assertMayManage(by, doc);
    this.#documents.set(id, { ...doc, downloadable });
    this.#announce();
  }

  /** Removes a document, its file and what was drawn on it. */
  remove(by: Participant, id: string): DocumentInfo {
    const doc = this.require(id);
    this.#assertMayManage(by, doc);
    this.#documents.delete(id);
    this.meeting.stage.documentRemoved(id);
    this.meeting.annotations.dropDocument(id);
    this.#announce();
    void this.meeting.documentStore?.remove(this.meeting.id, id).catch((err) => this.meeting.log.error('could not delete a document', { err: String(err) }));
    return doc;
  }

  /** May this participant fetch the PDF as a download (everyone may read it to display it)? */
  mayDownload(p: Participant, doc: DocumentInfo): boolean {
    return doc.downloadable || isModerator(p.role) || doc.uploadedBy.id === p.id;
  }

  #assertMayManage(by: Participant, doc: DocumentInfo): void {
    if (!isModerator(by.role) && doc.uploadedBy.id !== by.id) throw new AppError('auth.forbidden', 'only hosts and the person who uploaded it can change a document');
  }

  #announce(): void {
    this.meeting.broadcast({ type: 'documents', documents: this.list() });
  }
}
