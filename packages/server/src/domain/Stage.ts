import type { ClientMessageOf, DocumentInfo, DocumentView, Presentation } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import { isModerator, mayShare } from './permissions.ts';

type PresentRequest = ClientMessageOf<'present'>['presentation'];

/** The annotation surface of a document page. */
export function documentSurface(documentId: string, page: number): string {
  return `doc:${documentId}:${page}`;
}

export function screenSurface(participantId: string): string {
  return `screen:${participantId}`;
}

/** What the stage needs of the meeting: its documents, drawings and breakout boards, and renegotiation. */
export interface StageHost extends MeetingContext {
  readonly documents: { require(id: string): DocumentInfo };
  readonly annotations: { sendSnapshot(surface: string): void; drop(surface: string): void };
  readonly breakouts: { boardSurfaces(): string[]; setBoard(p: Participant, open: boolean): void };
  /** Others receive p's streams anew (a share started or stopped). */
  refreshOthers(p: Participant): void;
}

/**
 * What everyone is shown large: shared screens, and a presented document page or the
 * whiteboard. One thing at a time unless hosts allow several shares (`multiShare`): then a new
 * screen or presentation replaces what was there, and its owner is told.
 */
export class Stage {
  constructor(private readonly meeting: StageHost) {}

  get presentation(): Presentation | null {
    return this.meeting.state.presentation;
  }

  /** The annotation surfaces on the stage now (what a newcomer needs the drawings of). */
  surfaces(): string[] {
    const surfaces: string[] = [];
    const presentation = this.presentation;
    if (presentation?.kind === 'document') surfaces.push(documentSurface(presentation.documentId, presentation.view.page));
    if (presentation?.kind === 'whiteboard') surfaces.push('board');
    for (const p of this.meeting.participants()) if (p.sharing) surfaces.push(screenSurface(p.id));
    surfaces.push(...this.meeting.breakouts.boardSurfaces());
    return surfaces;
  }

  startShare(p: Participant): void {
    this.#assertMayShare(p);
    // 'publishing' too: someone sharing before anything else publishes the screen and shares at
    // once; others receive it when the connection is up (publisherUp refreshes them).
    if ((p.state !== 'live' && p.state !== 'publishing') || p.peer?.publishedMids.screen === undefined) throw new AppError('protocol.out_of_order', 'publish a screen first');
    if (p.sharing) return;
    this.#makeRoom(p);
    p.sharing = true;
    this.#sharingChanged(p);
    this.meeting.annotations.sendSnapshot(screenSurface(p.id));
  }

  stopShare(p: Participant): void {
    if (!p.sharing) return;
    p.sharing = false;
    this.#sharingChanged(p);
    // What was drawn over a screen belongs to that share: the next share starts clean.
    this.meeting.annotations.drop(screenSurface(p.id));
  }

  present(p: Participant, request: PresentRequest): void {
    this.#assertMayShare(p);
    // A breakout room has its own whiteboard; documents are presented in the main room.
    if (p.room !== null) {
      if (request.kind === 'whiteboard') return this.meeting.breakouts.setBoard(p, true);
      throw new AppError('protocol.out_of_order', 'present documents from the main room');
    }
    let next: Presentation;
    if (request.kind === 'document') {
      const doc = this.meeting.documents.require(request.documentId);
      const view = request.view ?? { page: 1, zoom: 1, x: 0.5, y: 0.5 };
      next = { kind: 'document', presenterId: p.id, documentId: doc.id, view: { ...view, page: Math.min(view.page, doc.pages) } };
    } else {
      next = { kind: 'whiteboard', presenterId: p.id };
    }
    this.#makeRoom(p, true);
    this.#setPresentation(next);
  }

  /** The presenter (or a host) turns the page, zooms or pans. */
  setView(p: Participant, view: DocumentView): void {
    const presentation = this.presentation;
    if (presentation?.kind !== 'document') throw new AppError('protocol.out_of_order', 'no document is being presented');
    if (presentation.presenterId !== p.id && !isModerator(p.role)) throw new AppError('auth.forbidden', 'only the presenter and hosts can turn the pages');
    const doc = this.meeting.documents.require(presentation.documentId);
    if (view.page > doc.pages) throw new AppError('protocol.invalid', `the document has ${doc.pages} pages`);
    this.#setPresentation({ ...presentation, view });
  }

  /** Takes the document or whiteboard off the stage (the presenter, or a host). */
  stopPresenting(p: Participant): void {
    if (p.room !== null) return this.meeting.breakouts.setBoard(p, false);
    const presentation = this.presentation;
    if (!presentation) return;
    if (presentation.presenterId !== p.id && !isModerator(p.role)) throw new AppError('auth.forbidden', 'only the presenter and hosts can stop the presentation');
    this.#setPresentation(null);
  }

  documentRemoved(documentId: string): void {
    const presentation = this.presentation;
    if (presentation?.kind === 'document' && presentation.documentId === documentId) this.#setPresentation(null);
  }

  /** Someone leaves: their screen goes, and so does what they presented. */
  participantLeft(p: Participant): void {
    this.meeting.annotations.drop(screenSurface(p.id));
    if (this.presentation?.presenterId === p.id) this.#setPresentation(null);
  }

  #assertMayShare(p: Participant): void {
    if (!mayShare(p, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'the host does not allow participants to share');
  }

  /**
   * Clears the stage for `p`'s new share or presentation unless several may share at once.
   * A new presentation always replaces the previous one (there is one document view).
   */
  #makeRoom(p: Participant, presenting = false): void {
    const presentation = this.presentation;
    const presenter = presentation && presentation.presenterId !== p.id ? this.meeting.participant(presentation.presenterId) : undefined;
    // There is one document view: a new presentation replaces the one before, whatever the mode.
    if (presenting && presenter) presenter.channel.send({ type: 'moderated', action: 'share-stopped', by: p.name });
    if (this.meeting.state.permissions.multiShare) return;
    for (const other of this.meeting.participants()) {
      if (other !== p && other.sharing && other.room === p.room) {
        this.stopShare(other);
        other.channel.send({ type: 'moderated', action: 'share-stopped', by: p.name });
      }
    }
    if (presentation && !presenting && p.room === null) {
      this.#setPresentation(null);
      presenter?.channel.send({ type: 'moderated', action: 'share-stopped', by: p.name });
    }
  }

  #setPresentation(next: Presentation | null): void {
    const before = this.presentation ? this.surfaceOf(this.presentation) : undefined;
    this.meeting.state.presentation = next;
    this.meeting.broadcast({ type: 'meeting-state', state: this.meeting.state });
    const after = next ? this.surfaceOf(next) : undefined;
    if (after && after !== before) this.meeting.annotations.sendSnapshot(after);
  }

  surfaceOf(presentation: Presentation): string {
    return presentation.kind === 'document' ? documentSurface(presentation.documentId, presentation.view.page) : 'board';
  }

  #sharingChanged(p: Participant): void {
    this.meeting.broadcast({ type: 'participant-updated', participant: p.info() });
    this.meeting.refreshOthers(p);
  }
}
