/** One recorded stream after conversion, placed on the recording's timeline. */
export interface Track {
  file: string;
  kind: 'audio' | 'video';
  /** A shared screen (shown large) rather than a camera. */
  screen: boolean;
  /** Seconds from the start of the recording to the stream's first packet. */
  offset: number;
}

export const CANVAS = { width: 1280, height: 720, fps: 15 } as const;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where each video goes on the 1280×720 canvas: a shared screen takes the left three quarters
 * with cameras in a column beside it; without a screen, cameras fill a grid. Pure, so the
 * layout is tested without ffmpeg.
 */
export function layout(videos: Track[]): Box[] {
  const { width: W, height: H } = CANVAS;
  const screenIndex = videos.findIndex((v) => v.screen);
  if (screenIndex >= 0) {
    const side = W / 4;
    const camH = Math.round((side * 3) / 4);
    let row = 0;
    return videos.map((v, i) => (i === screenIndex ? { x: 0, y: 0, w: W - side, h: H } : { x: W - side, y: camH * row++, w: side, h: camH }));
  }
  const n = Math.max(1, videos.length);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = Math.floor(W / cols / 2) * 2;
  const h = Math.floor(H / rows / 2) * 2;
  return videos.map((_, i) => ({ x: (i % cols) * w, y: Math.floor(i / cols) * h, w, h }));
}

/**
 * The ffmpeg arguments that compose the tracks into one MP4 (H.264 + AAC, fast start): each
 * video scaled into its box and shifted to its offset over a black canvas, every audio delayed
 * to its offset and mixed. Cameras beyond what fits beside a screen are left out.
 */
export function composeArgs(tracks: Track[], durationS: number, outFile: string): string[] {
  const { width: W, height: H, fps } = CANVAS;
  const videos = tracks.filter((t) => t.kind === 'video');
  const audios = tracks.filter((t) => t.kind === 'audio');
  const boxes = layout(videos);
  const inputs: string[] = [];
  const filters: string[] = [`color=c=black:s=${W}x${H}:r=${fps}:d=${durationS.toFixed(3)}[base0]`];
  let base = 'base0';
  let index = 0;
  videos.forEach((v, i) => {
    const box = boxes[i]!;
    if (box.y + box.h > H) return; // no room left beside the screen
    inputs.push('-i', v.file);
    const input = index++;
    filters.push(
      `[${input}:v]scale=${box.w}:${box.h}:force_original_aspect_ratio=decrease,pad=${box.w}:${box.h}:(ow-iw)/2:(oh-ih)/2:color=black,fps=${fps},setpts=PTS-STARTPTS+${v.offset.toFixed(3)}/TB[v${i}]`,
      `[${base}][v${i}]overlay=${box.x}:${box.y}:eof_action=pass[base${i + 1}]`,
    );
    base = `base${i + 1}`;
  });
  const mixed: string[] = [];
  for (const a of audios) {
    inputs.push('-i', a.file);
    const input = index++;
    const ms = Math.round(a.offset * 1000);
    filters.push(`[${input}:a]aresample=48000,adelay=${ms}|${ms}[a${input}]`);
    mixed.push(`[a${input}]`);
  }
  if (mixed.length === 0) filters.push(`anullsrc=r=48000:cl=stereo,atrim=0:${durationS.toFixed(3)}[aout]`);
  else filters.push(`${mixed.join('')}amix=inputs=${mixed.length}:duration=longest:normalize=0[aout]`);
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
    durationS.toFixed(3),
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
