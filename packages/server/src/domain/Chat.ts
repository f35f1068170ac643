import crypto from 'node:crypto';
import type { ChatMessage, Reaction } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import { mayChat } from './permissions.ts';

/** How much public chat a late joiner receives. */
const HISTORY = 500;

/**
 * The meeting's chat (to everyone, or privately to one person) and reactions. Text is stored
 * and relayed as text: the client displays it as text, so markup in a message stays visible
 * as typed and never runs.
 */
export class Chat {
  /** Public chat per room: "main", and each breakout room by its id. */
  readonly #histories = new Map<string, ChatMessage[]>();
  /** Per participant: at most 20 messages or reactions per 10 s. */
  readonly #rate = new RateLimiter(20, 10_000);

  constructor(private readonly meeting: MeetingContext) {}

  /** Every room's public chat, for storage (MeetingSnapshot). */
  snapshot(): [string, ChatMessage[]][] {
    return [...this.#histories].map(([room, messages]) => [room, [...messages]]);
  }

  restore(histories: [string, ChatMessage[]][]): void {
    this.#histories.clear();
    for (const [room, messages] of histories) this.#histories.set(room, [...messages]);
  }

  /** The public chat of a room (null: the main room). */
  history(room: string | null = null): ChatMessage[] {
    return [...(this.#histories.get(room ?? 'main') ?? [])];
  }

  send(from: Participant, text: string, toId: string | null | undefined): ChatMessage {
    if (!mayChat(from, this.meeting.state.permissions)) throw new AppError('auth.forbidden', 'the host has turned chat off');
    this.#throttle(from);
    const to = toId ? this.meeting.requireParticipant(toId) : undefined;
    const message: ChatMessage = {
      id: crypto.randomUUID(),
      from: { id: from.id, name: from.name },
      to: to ? { id: to.id, name: to.name } : null,
      text,
      at: new Date().toISOString(),
    };
    if (to) {
      to.channel.send({ type: 'chat', message });
      if (to !== from) from.channel.send({ type: 'chat', message });
    } else {
      // Public messages stay in the sender's room (each breakout room has its own chat).
      const key = from.room ?? 'main';
      const history = this.#histories.get(key) ?? [];
      this.#histories.set(key, history);
      history.push(message);
      if (history.length > HISTORY) history.shift();
      this.meeting.broadcastToRoom(from.room, { type: 'chat', message });
    }
    return message;
  }

  react(from: Participant, reaction: Reaction): void {
    this.#throttle(from);
    this.meeting.broadcastToRoom(from.room, { type: 'reaction', participantId: from.id, reaction });
  }

  #throttle(p: Participant): void {
    if (!this.#rate.hit(p.id)) throw new AppError('protocol.rate_limited', 'too many messages; slow down');
  }
}
