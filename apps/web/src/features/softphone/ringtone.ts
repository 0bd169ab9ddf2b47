import { useEffect } from 'react';

/** A two-tone ring (Web Audio) while `isRinging`; silent where audio is not allowed yet. */
export function useRingtone(isRinging: boolean): void {
  useEffect(() => {
    if (!isRinging || typeof AudioContext === 'undefined') return;
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch {
      return;
    }
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    const oscillators = [440, 480].map((frequency) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start();
      return oscillator;
    });
    // Brazilian cadence: 1 s on, 4 s off.
    const ring = () => {
      const at = context.currentTime;
      gain.gain.setValueAtTime(0.08, at);
      gain.gain.setValueAtTime(0, at + 1);
    };
    ring();
    const timer = setInterval(ring, 5_000);
    return () => {
      clearInterval(timer);
      for (const oscillator of oscillators) oscillator.stop();
      void context.close();
    };
  }, [isRinging]);
}
