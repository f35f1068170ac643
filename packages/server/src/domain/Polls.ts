import crypto from 'node:crypto';
import type { PollDraft, PollResults, PollView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { MeetingContext } from './MeetingContext.ts';
import type { Participant } from './Participant.ts';
import type { PollSnapshot } from './MeetingSnapshot.ts';
import { assertModerator } from './permissions.ts';

interface Poll {
  view: PollView;
  counts: number[];
  /** Who has voted (to refuse a second vote). Never sent anywhere. */
  voters: Set<string>;
  /** Named polls only: who chose what. An anonymous poll never holds this, so no message can leak it. */
  votes: Map<string, { name: string; choices: number[] }> | undefined;
  shared: boolean;
  /** Results are being held back until this timer fires (votes coming in fast). */
  resultsTimer: NodeJS.Timeout | undefined;
  /** A vote arrived while results were held back: send them when the timer fires. */
  resultsDue: boolean;
}

/**
 * Results go out at most this often while votes pour in (the first vote at once, the rest
 * gathered): 300 people voting within seconds would otherwise send every host, and everyone once
 * shared, one message per vote — a number of messages that grows with the square of the room.
 */
export const RESULTS_INTERVAL_MS = 250;

/**
 * The meeting's polls. Hosts launch, watch live, close and share results; everyone votes once.
 * For an anonymous poll the server keeps counts and the set of voters only — not who chose
 * what — so no message, to hosts included, can carry it.
 */
export class Polls {
  readonly #polls = new Map<string, Poll>();

  constructor(private readonly meeting: MeetingContext) {}

  /** The polls with their counts and voters, for storage (MeetingSnapshot). */
  snapshot(): PollSnapshot[] {
    return [...this.#polls.values()].map((p) => ({ view: p.view, counts: [...p.counts], voters: [...p.voters], votes: p.votes ? [...p.votes] : null, shared: p.shared }));
  }

  restore(polls: PollSnapshot[]): void {
    for (const p of polls) {
      // An anonymous poll never holds who chose what, even if a stored snapshot said so.
      const votes = p.view.anonymous ? undefined : new Map(p.votes ?? []);
      this.#polls.set(p.view.id, { view: p.view, counts: [...p.counts], voters: new Set(p.voters), votes, shared: p.shared, resultsTimer: undefined, resultsDue: false });
    }
  }

  views(): PollView[] {
    return [...this.#polls.values()].map((p) => p.view);
  }

  /** The polls this person has voted in (told to them at join, so that joining again shows their vote as given). */
  votedBy(p: Participant): string[] {
    const voter = voterOf(p);
    return [...this.#polls.values()].filter((poll) => poll.voters.has(voter) || poll.voters.has(p.id)).map((poll) => poll.view.id);
  }

  launch(by: Participant, draft: PollDraft): PollView {
    assertModerator(by, 'launch polls');
    if (this.#polls.size >= 100) throw new AppError('http.rate_limited', 'at most 100 polls per meeting');
    const view: PollView = { ...draft, id: crypto.randomUUID(), status: 'open' };
    this.#polls.set(view.id, { view, counts: draft.options.map(() => 0), voters: new Set(), votes: draft.anonymous ? undefined : new Map(), shared: false, resultsTimer: undefined, resultsDue: false });
    this.meeting.broadcast({ type: 'poll', poll: view });
    return view;
  }

  vote(p: Participant, pollId: string, choices: number[]): void {
    const poll = this.#require(pollId);
    if (poll.view.status !== 'open') throw new AppError('protocol.out_of_order', 'this poll is closed');
    const voter = voterOf(p);
    // (Snapshots written before votes were keyed on the person name voters by participant id.)
    if (poll.voters.has(voter) || poll.voters.has(p.id)) throw new AppError('poll.already_voted', 'you have already voted in this poll');
    const unique = [...new Set(choices)];
    if (unique.some((c) => c >= poll.view.options.length)) throw new AppError('protocol.invalid', 'no such option');
    if (poll.view.kind === 'single' && unique.length !== 1) throw new AppError('protocol.invalid', 'choose one option');
    poll.voters.add(voter);
    // Results may be held back (no broadcast yet): the vote must reach storage all the same.
    this.meeting.changed();
    for (const c of unique) poll.counts[c]!++;
    poll.votes?.set(voter, { name: p.name, choices: unique });
    if (poll.resultsTimer) {
      poll.resultsDue = true;
      return;
    }
    this.#sendResults(poll);
    this.#holdResults(poll);
  }

  #holdResults(poll: Poll): void {
    poll.resultsTimer = setTimeout(() => {
      poll.resultsTimer = undefined;
      if (!poll.resultsDue) return;
      poll.resultsDue = false;
      this.#sendResults(poll);
      this.#holdResults(poll);
    }, RESULTS_INTERVAL_MS);
    poll.resultsTimer.unref();
  }

  /** Stops holding results back; returns whether a vote was waiting to be sent. */
  #stopHolding(poll: Poll): boolean {
    clearTimeout(poll.resultsTimer);
    poll.resultsTimer = undefined;
    const due = poll.resultsDue;
    poll.resultsDue = false;
    return due;
  }

  /** The meeting is over: no timer outlives it. */
  dispose(): void {
    for (const poll of this.#polls.values()) clearTimeout(poll.resultsTimer);
  }

  close(by: Participant, pollId: string): void {
    assertModerator(by, 'close polls');
    const poll = this.#require(pollId);
    if (poll.view.status === 'closed') return;
    if (this.#stopHolding(poll)) this.#sendResults(poll);
    poll.view = { ...poll.view, status: 'closed' };
    this.meeting.broadcast({ type: 'poll', poll: poll.view });
  }

  /** Shows the counts to everyone, from now on (hosts keep seeing the names of a named poll). */
  share(by: Participant, pollId: string): void {
    assertModerator(by, 'share poll results');
    const poll = this.#require(pollId);
    poll.shared = true;
    this.#stopHolding(poll);
    this.#sendResults(poll);
  }

  /** Someone (re)arrives: the results they may see now, as the others already have them. */
  sendResultsTo(p: Participant): void {
    const moderator = p.role === 'host' || p.role === 'cohost';
    for (const poll of this.#polls.values()) {
      if (poll.voters.size === 0 || (!moderator && !poll.shared)) continue;
      const { counts, withNames } = resultsOf(poll);
      p.channel.send({ type: 'poll-results', results: moderator ? withNames : counts });
    }
  }

  /** Hosts get the results live (names too for a named poll); everyone once they are shared. */
  #sendResults(poll: Poll): void {
    const { counts, withNames } = resultsOf(poll);
    const forHosts = { type: 'poll-results' as const, results: withNames };
    const forOthers = { type: 'poll-results' as const, results: counts };
    // Serialised once each, not once per person.
    const hostsText = JSON.stringify(forHosts);
    const othersText = JSON.stringify(forOthers);
    for (const p of this.meeting.participants()) {
      const moderator = p.role === 'host' || p.role === 'cohost';
      if (moderator) p.channel.send(forHosts, hostsText);
      else if (poll.shared) p.channel.send(forOthers, othersText);
    }
  }

  #require(id: string): Poll {
    const poll = this.#polls.get(id);
    if (!poll) throw new AppError('meeting.not_participant', 'no such poll in this meeting');
    return poll;
  }
}

/** A poll's results: counts for everyone, and with who chose what (named polls) for hosts. */
/**
 * Who a vote is counted for, for the life of the poll: the account, else the browser by the
 * credential Amphi gave it, else (a client that is not a browser page) this participant.
 */
function voterOf(p: Participant): string {
  if (p.userId) return `user:${p.userId}`;
  return p.browser ? `browser:${p.browser}` : `participant:${p.id}`;
}

function resultsOf(poll: Poll): { counts: PollResults; withNames: PollResults } {
  const counts: PollResults = { pollId: poll.view.id, counts: [...poll.counts], voters: poll.voters.size };
  return { counts, withNames: poll.votes ? { ...counts, votes: [...poll.votes.values()] } : counts };
}
