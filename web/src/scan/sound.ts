// Three sounds a pharmacist can tell apart without looking: a short high
// beep (OK), two middle beeps (look at the warning), a low buzz (refused).
// Made with Web Audio, so there are no audio files to ship.
export type Tone = 'ok' | 'warning' | 'refused'

let context: AudioContext | null = null

function beep(ctx: AudioContext, at: number, hz: number, seconds: number, type: OscillatorType) {
  const osc = ctx.createOscillator()
  const gain = ctx.createGain()
  osc.type = type
  osc.frequency.value = hz
  gain.gain.setValueAtTime(0.15, at)
  gain.gain.exponentialRampToValueAtTime(0.001, at + seconds)
  osc.connect(gain).connect(ctx.destination)
  osc.start(at)
  osc.stop(at + seconds)
}

export function play(tone: Tone) {
  try {
    context ??= new AudioContext()
    const t = context.currentTime
    if (tone === 'ok') beep(context, t, 1320, 0.08, 'sine')
    if (tone === 'warning') {
      beep(context, t, 660, 0.1, 'triangle')
      beep(context, t + 0.15, 660, 0.1, 'triangle')
    }
    if (tone === 'refused') beep(context, t, 180, 0.45, 'square')
  } catch {
    // No audio device (or the browser blocks it until a click): the
    // colours still say it.
  }
}
