/** A short, soft two-note chime (someone is waiting), made with Web Audio: no sound file to load. */
export function chime(): void {
  if (typeof AudioContext === 'undefined') return;
  const ctx = new AudioContext();
  const notes = [880, 1320];
  notes.forEach((freq, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    const start = ctx.currentTime + i * 0.18;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.4);
  });
  setTimeout(() => void ctx.close(), 1_000);
}
