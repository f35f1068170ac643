import {
  CSRF_HEADER,
  DocumentInfo,
  ErrorBody,
  type AnnotateOp,
  type AnnotationEvent,
  type ClientMessage,
  type DocumentView,
  type ErrorCode,
  type Presentation,
  type ServerMessage,
  type Stroke,
} from '@amphi/protocol';

/** A refused upload or fetch, with the server's stable code ('network' when it was not reached). */
export class DocumentError extends Error {
  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
type Action = DistributiveOmit<ClientMessage, 'rid'>;

/** What StageContent needs from the session that owns it. */
export interface StageHost {
  /** Sends a request; false (and a notice) when refused. */
  act(message: Action): Promise<boolean>;
  /** Sends without waiting for a reply (drawing). */
  send(message: Action): void;
  changed(): void;
}

/**
 * The meeting's shared content besides cameras and screens, DOM-free: the documents uploaded
 * to it, what is presented (in the session's meeting state), and what is drawn on the
 * surfaces the stage shows. Uploads and reads go over HTTP with the participant's token.
 */
export class StageContent {
  documents: DocumentInfo[] = [];
  /** Strokes per surface we were sent (only surfaces on the stage are kept up to date). */
  readonly strokes = new Map<string, Stroke[]>();
  #token = '';
  #meetingId = '';

  constructor(private readonly host: StageHost) {}

  joined(meetingId: string, token: string, documents: DocumentInfo[]): void {
    this.#meetingId = meetingId;
    this.#token = token;
    this.documents = documents;
  }

  /** Handles the messages that concern the stage's content; false for any other. */
  handle(m: ServerMessage): boolean {
    switch (m.type) {
      case 'documents':
        this.documents = m.documents;
        break;
      case 'annotations':
        this.strokes.set(m.surface, m.strokes);
        break;
      case 'annotation':
        this.strokes.set(m.surface, applyEvent(this.strokes.get(m.surface) ?? [], m.event));
        break;
      default:
        return false;
    }
    this.host.changed();
    return true;
  }

  /** Uploads a file; the server converts office documents to PDF (this can take a while). */
  async upload(file: Blob, name: string): Promise<DocumentInfo> {
    const res = await this.#fetch(`/api/meetings/${encodeURIComponent(this.#meetingId)}/documents?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [CSRF_HEADER]: '1' },
      body: file,
    });
    const parsed = DocumentInfo.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new DocumentError('internal', 'unexpected answer from the server');
    return parsed.data;
  }

  /** The document's PDF, to display it. */
  async pdf(documentId: string): Promise<ArrayBuffer> {
    const res = await this.#fetch(this.#documentPath(documentId));
    return res.arrayBuffer();
  }

  /** The document's PDF as a file to save (when the host allows downloading). */
  async download(documentId: string): Promise<Blob> {
    const res = await this.#fetch(`${this.#documentPath(documentId)}?download=1`);
    return res.blob();
  }

  present(presentation: { kind: 'document'; documentId: string; view?: DocumentView } | { kind: 'whiteboard' }) {
    return this.host.act({ type: 'present', presentation });
  }
  setView(view: DocumentView) {
    return this.host.act({ type: 'present-view', view });
  }
  stopPresenting() {
    return this.host.act({ type: 'present-stop' });
  }
  setDownloadable(documentId: string, downloadable: boolean) {
    return this.host.act({ type: 'document-update', documentId, downloadable });
  }
  remove(documentId: string) {
    return this.host.act({ type: 'document-remove', documentId });
  }
  annotate(surface: string, op: AnnotateOp): void {
    this.host.send({ type: 'annotate', surface, op });
  }

  #documentPath(documentId: string): string {
    return `/api/meetings/${encodeURIComponent(this.#meetingId)}/documents/${encodeURIComponent(documentId)}`;
  }

  async #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, { ...init, credentials: 'same-origin', headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${this.#token}` } });
    } catch (err) {
      throw new DocumentError('network', String(err));
    }
    if (!res.ok) {
      const body = ErrorBody.safeParse(await res.json().catch(() => undefined));
      throw body.success ? new DocumentError(body.data.error.code, body.data.error.message) : new DocumentError('internal', `HTTP ${res.status}`);
    }
    return res;
  }
}

/** The annotation surface a presentation shows. */
export function surfaceOf(presentation: Presentation): string {
  return presentation.kind === 'document' ? `doc:${presentation.documentId}:${presentation.view.page}` : 'board';
}

/** A surface's strokes after an event (a new array: the UI compares by identity). */
export function applyEvent(strokes: readonly Stroke[], event: AnnotationEvent): Stroke[] {
  switch (event.kind) {
    case 'put': {
      const i = strokes.findIndex((s) => s.id === event.stroke.id);
      if (i < 0) return [...strokes, event.stroke];
      const next = [...strokes];
      next[i] = event.stroke;
      return next;
    }
    case 'append':
      return strokes.map((s) => (s.id === event.id ? { ...s, points: [...s.points, ...event.points] } : s));
    case 'remove': {
      const gone = new Set(event.ids);
      return strokes.filter((s) => !gone.has(s.id));
    }
    case 'clear':
      return event.authorId === null ? [] : strokes.filter((s) => s.authorId !== event.authorId);
  }
}
