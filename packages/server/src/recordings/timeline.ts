/**
 * The recording's timeline: where each recorded stream lies once the pauses are cut out, who
 * was the active speaker when, and what of it falls into one segment of the MP4. Pure, so it is
 * tested without Janus or ffmpeg.
 */

/** One recorded stream, converted to a playable file, with what the manifest says of it. */
export interface RecordedStream {
  file: string;
  kind: 'audio' | 'video';
  /** Whose it is (the media server's feed id), when known. */
  feed: string | undefined;
  /** A shared screen rather than a camera. */
  screen: boolean;
  /** Unix time of its first packet, in microseconds. */
  startUs: number;
  /** Seconds of media in the file. */
  duration: number;
}

/** A stream placed on the timeline (seconds from the start of the MP4). */
export interface PlacedStream extends RecordedStream {
  offset: number;
  /** The box it is shown in: one per person's camera, one per shared screen. */
  source: string;
}

/** What of a stream one segment shows: from `inPoint` in its file, placed `at` seconds into the segment, for `length` seconds. */
export interface Clip {
  file: string;
  kind: 'audio' | 'video';
  screen: boolean;
  source: string;
  inPoint: number;
  at: number;
  length: number;
}

/** When a camera source is the active speaker, in seconds from the start of the segment. */
export type SpeakerIntervals = Map<string, { from: number; to: number }[]>;

export interface Pause {
  /** Unix ms. */
  from: number;
  to: number;
}

/** Someone started talking (Unix ms), as the manifest keeps it. */
export interface SpeakerChange {
  feed: string;
  at: number;
}

/**
 * Places the streams: each by its first packet's time from the earliest one, less the pauses
 * that ended before it began (a pause closes every stream's file and resuming opens new ones).
 */
export function placeStreams(streams: RecordedStream[], pauses: Pause[]): { placed: PlacedStream[]; t0Us: number; total: number } {
  if (streams.length === 0) return { placed: [], t0Us: 0, total: 0 };
  const t0Us = Math.min(...streams.map((s) => s.startUs));
  const placed = streams.map((s, i) => ({
    ...s,
    offset: timelineAt(s.startUs / 1000, t0Us, pauses),
    source: s.feed === undefined ? `unknown-${i}` : `${s.feed}:${s.screen ? 'screen' : 'camera'}`,
  }));
  return { placed, t0Us, total: Math.max(...placed.map((p) => p.offset + p.duration)) };
}

/** Where a moment (Unix ms) falls on the timeline: a moment inside a pause falls where the pause was cut. */
export function timelineAt(atMs: number, t0Us: number, pauses: Pause[]): number {
  let cut = 0;
  for (const p of pauses) {
    if (p.to <= atMs) cut += p.to - p.from;
    else if (p.from < atMs) cut += atMs - p.from;
  }
  return Math.max(0, (atMs - t0Us / 1000 - cut) / 1000);
}

/** What of the placed streams lies in [from, to), each clipped to it. */
export function clipsIn(placed: PlacedStream[], from: number, to: number): Clip[] {
  const clips: Clip[] = [];
  for (const s of placed) {
    const start = Math.max(from, s.offset);
    const end = Math.min(to, s.offset + s.duration);
    if (end - start < 0.05) continue;
    clips.push({ file: s.file, kind: s.kind, screen: s.screen, source: s.source, inPoint: start - s.offset, at: start - from, length: end - start });
  }
  return clips;
}

/** A speaker must hold the floor this long to be shown: a cough does not switch the picture. */
export const MIN_SPEAKER_S = 2;

/**
 * Who is shown as the active speaker in [from, to), among the camera sources shown there: the
 * last one who started talking, held until someone else (with a camera) starts; before anyone
 * has talked, the first camera to appear.
 */
export function speakerIntervals(changes: SpeakerChange[], cameras: string[], t0Us: number, pauses: Pause[], from: number, to: number): SpeakerIntervals {
  const intervals: SpeakerIntervals = new Map();
  if (cameras.length === 0) return intervals;
  const byFeed = new Map(cameras.map((c) => [c.split(':')[0]!, c]));
  // The changes on the timeline, kept only for people with a camera here, without repeats.
  const points: { t: number; source: string }[] = [];
  for (const c of [...changes].sort((a, b) => a.at - b.at)) {
    const source = byFeed.get(c.feed);
    if (!source) continue;
    const t = timelineAt(c.at, t0Us, pauses);
    if (points.length > 0 && points[points.length - 1]!.source === source) continue;
    // Someone who held the floor too briefly is not shown: the next one takes their place.
    if (points.length > 0 && t - points[points.length - 1]!.t < MIN_SPEAKER_S) points.pop();
    if (points.length > 0 && points[points.length - 1]!.source === source) continue;
    points.push({ t, source });
  }
  let current = cameras[0]!;
  let since = from;
  for (const p of points) {
    if (p.t <= from) {
      current = p.source;
      continue;
    }
    if (p.t >= to) break;
    if (p.source === current) continue;
    add(intervals, current, since - from, p.t - from);
    current = p.source;
    since = p.t;
  }
  add(intervals, current, since - from, to - from);
  return intervals;
}

function add(intervals: SpeakerIntervals, source: string, from: number, to: number): void {
  if (to - from <= 0) return;
  const list = intervals.get(source) ?? [];
  list.push({ from, to });
  intervals.set(source, list);
}
