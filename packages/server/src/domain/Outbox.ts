import type { ServerMessage } from '@amphi/protocol';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';

/** Messages kept for a participant whose connection may drop (about a minute of a busy meeting). */
export const OUTBOX_CAPACITY = 2_000;

/** Puts the sequence number in front of a serialized message: `{"seq":7,"type":…}`. */
export function sequenced(seq: number, serialized: string): string {
  return `{"seq":${seq},${serialized.slice(1)}`;
}

/**
 * What reaches one participant, in order, whatever happens to their connection: every message
 * gets the next sequence number and is kept (the latest OUTBOX_CAPACITY), so that a client
 * coming back on a new socket gets what it missed. The participant's channel for the whole
 * meeting; the socket under it (the sink) comes and goes.
 *
 * Entries keep the serialized text as the sender made it: a broadcast to hundreds of outboxes
 * holds one string, not one copy each.
 */
export class Outbox implements ParticipantChannel {
  #seq = 0;
  /** The kept messages, oldest first; entry i has sequence number #firstSeq + i. */
  #kept: string[] = [];
  #firstSeq = 1;
  #sink: ParticipantChannel | undefined;
  #closed: { code: number; reason: string } | undefined;

  constructor(
    sink: ParticipantChannel | undefined,
    private readonly capacity = OUTBOX_CAPACITY,
  ) {
    this.#sink = sink;
  }

  /** The sequence number of the last message sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** The connection messages go to now (none while the participant is reconnecting). */
  get sink(): ParticipantChannel | undefined {
    return this.#sink;
  }

  send(message: ServerMessage, serialized?: string): void {
    const text = serialized ?? JSON.stringify(message);
    const seq = ++this.#seq;
    this.#kept.push(text);
    // Trimmed in batches: one splice per 256 messages rather than a shift per message.
    if (this.#kept.length > this.capacity + 256) {
      const drop = this.#kept.length - this.capacity;
      this.#kept.splice(0, drop);
      this.#firstSeq += drop;
    }
    this.#sink?.send(message, sequenced(seq, text));
  }

  close(code: number, reason: string): void {
    this.#closed = { code, reason };
    this.#sink?.close(code, reason);
  }

  /** The server closed this participant for good (ended, removed): a resume must not bring them back. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** The connection went away; messages are kept for the next one. Only the current sink can detach. */
  detach(sink: ParticipantChannel): boolean {
    if (this.#sink !== sink) return false;
    this.#sink = undefined;
    return true;
  }

  /** Whether every message after `lastSeq` is still kept (else the client needs a snapshot). */
  canReplayFrom(lastSeq: number): boolean {
    return lastSeq <= this.#seq && lastSeq + 1 >= this.#firstSeq;
  }

  /**
   * A new connection takes over: the messages after `lastSeq` are sent to it, and everything
   * after. Returns false, replaying nothing, when some of them are gone (see canReplayFrom) or
   * when `lastSeq` is null (the client starts from a snapshot).
   */
  attach(sink: ParticipantChannel, lastSeq: number | null): boolean {
    this.#sink = sink;
    if (lastSeq === null || !this.canReplayFrom(lastSeq)) return false;
    for (let seq = lastSeq + 1; seq <= this.#seq; seq++) {
      const text = this.#kept[seq - this.#firstSeq]!;
      sink.send(JSON.parse(text) as ServerMessage, sequenced(seq, text));
    }
    return true;
  }
}
