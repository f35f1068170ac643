import type { Clip, SpeakerIntervals } from './timeline.ts';

export const CANVAS = { width: 1280, height: 720, fps: 15 } as const;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a source (a camera, a screen) is shown, and when (seconds in the segment) if not all along. */
export interface Placement {
  box: Box;
  when?: { from: number; to: number }[];
}

/** Beyond this many cameras and no screen, the active speaker is shown rather than a grid. */
export const MAX_GRID = 9;

/**
 * Where each source goes on the 1280×720 canvas. A shared screen takes the left three quarters
 * with the active speaker's camera beside it; without a screen, cameras fill a grid (the active
 * speaker alone when there are too many for a grid). Sources that are never shown are left out.
 * Pure, so the layout is tested without ffmpeg.
 */
export function layout(clips: Clip[], speakers: SpeakerIntervals): Map<string, Placement> {
  const { width: W, height: H } = CANVAS;
  const placements = new Map<string, Placement>();
  const sources = (screen: boolean) => [...new Set(clips.filter((c) => c.kind === 'video' && c.screen === screen).sort((a, b) => a.at - b.at).map((c) => c.source))];
  const screens = sources(true);
  const cameras = sources(false);
  const speaker = (box: Box) => {
    for (const camera of cameras) {
      const when = speakers.get(camera);
      if (when && when.length > 0) placements.set(camera, { box, when });
    }
  };
  if (screens.length > 0) {
    const side = W / 4;
    const h = Math.floor(H / screens.length / 2) * 2;
    screens.forEach((s, i) => placements.set(s, { box: { x: 0, y: i * h, w: W - side, h } }));
    speaker({ x: W - side, y: 0, w: side, h: Math.round((side * 3) / 4) });
    return placements;
  }
  if (cameras.length > MAX_GRID) {
    speaker({ x: 0, y: 0, w: W, h: H });
    return placements;
  }
  const n = Math.max(1, cameras.length);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = Math.floor(W / cols / 2) * 2;
  const h = Math.floor(H / rows / 2) * 2;
  cameras.forEach((c, i) => placements.set(c, { box: { x: (i % cols) * w, y: Math.floor(i / cols) * h, w, h } }));
  return placements;
}

/**
 * The ffmpeg arguments that compose one segment into an MP4 (H.264 + AAC, fast start): each
 * video clip scaled into its source's box and shifted to its place over a black canvas (shown
 * only while its source is the active speaker, where the layout says so), every sound delayed
 * to its place and mixed, exactly `durationS` long so segments join end to end.
 */
export function composeArgs(clips: Clip[], durationS: number, speakers: SpeakerIntervals, outFile: string): string[] {
  const { width: W, height: H, fps } = CANVAS;
  const d = durationS.toFixed(3);
  const placements = layout(clips, speakers);
  const inputs: string[] = [];
  const filters: string[] = [`color=c=black:s=${W}x${H}:r=${fps}:d=${d}[base0]`];
  let base = 'base0';
  let index = 0;
  const input = (c: Clip) => {
    // A camera changes size mid-file when its sender drops or regains a simulcast layer (or
    // adapts to its CPU): with the filter graph rebuilt, its box went black for the rest of the
    // segment. Kept as it is, the scale filter takes each frame's size as it comes.
    inputs.push('-reinit_filter', '0');
    if (c.inPoint > 0.001) inputs.push('-ss', c.inPoint.toFixed(3));
    inputs.push('-t', c.length.toFixed(3), '-i', c.file);
    return index++;
  };
  clips.forEach((c, i) => {
    if (c.kind !== 'video') return;
    const placement = placements.get(c.source);
    if (!placement) return;
    const { box, when } = placement;
    const n = input(c);
    const enable = when ? `:enable='${when.map((w) => `between(t,${w.from.toFixed(3)},${w.to.toFixed(3)})`).join('+')}'` : '';
    filters.push(
      `[${n}:v]scale=${box.w}:${box.h}:force_original_aspect_ratio=decrease,pad=${box.w}:${box.h}:(ow-iw)/2:(oh-ih)/2:color=black,fps=${fps},setpts=PTS-STARTPTS+${c.at.toFixed(3)}/TB[v${i}]`,
      `[${base}][v${i}]overlay=${box.x}:${box.y}:eof_action=pass${enable}[base${i + 1}]`,
    );
    base = `base${i + 1}`;
  });
  const mixed: string[] = [];
  for (const c of clips) {
    if (c.kind !== 'audio') continue;
    const n = input(c);
    const ms = Math.round(c.at * 1000);
    filters.push(`[${n}:a]aresample=48000,asetpts=PTS-STARTPTS,adelay=${ms}|${ms}[a${n}]`);
    mixed.push(`[a${n}]`);
  }
  if (mixed.length === 0) filters.push(`anullsrc=r=48000:cl=stereo,atrim=0:${d}[aout]`);
  else filters.push(`${mixed.join('')}amix=inputs=${mixed.length}:duration=longest:normalize=0,apad=whole_dur=${d}[aout]`);
  return [
    '-y',
    '-hide_banner',
    '-loglevel',
    'error',
    ...inputs,
    '-filter_complex',
    filters.join(';'),
    '-map',
    `[${base}]`,
    '-map',
    '[aout]',
    '-t',
    d,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-movflags',
    '+faststart',
    outFile,
  ];
}
