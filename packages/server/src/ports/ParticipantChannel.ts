import type { ServerMessage } from '@amphi/protocol';

/** How the domain talks to one participant's client (the signaling connection implements it). */
export interface ParticipantChannel {
  /** `serialized` is the message as JSON when the sender already has it (one stringify per broadcast). */
  send(message: ServerMessage, serialized?: string): void;
  /** Closes the client's connection after the last message; the connection reports back by calling leave. */
  close(code: number, reason: string): void;
  /** Milliseconds since the client last sent anything on this connection (unknown: undefined). */
  idleMs?(): number;
}
