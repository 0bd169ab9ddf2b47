/**
 * The far end of a call: a real RTCPeerConnection in its own page (fake microphone: a
 * beeping tone), whose SDP the SIP responder carries to and from the softphone.
 */
import type { Page } from 'playwright-core';
import type { SdpPeer } from './sip-responder';

declare global {
  interface Window {
    peer?: RTCPeerConnection;
  }
}

async function gathered(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = window.peer!;
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const done = () => {
          if (pc.iceGatheringState === 'complete') resolve();
        };
        pc.addEventListener('icegatheringstatechange', done);
        // Loopback gathers in milliseconds; never wait for an unreachable STUN.
        setTimeout(resolve, 3_000);
      });
    }
    return pc.localDescription!.sdp;
  });
}

export function webrtcPeer(page: Page): SdpPeer & { close(): Promise<void> } {
  return {
    async createOffer() {
      await page.evaluate(async () => {
        window.peer?.close();
        const pc = new RTCPeerConnection({ iceServers: [] });
        window.peer = pc;
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        for (const track of stream.getTracks()) pc.addTrack(track, stream);
        await pc.setLocalDescription(await pc.createOffer());
      });
      return gathered(page);
    },
    async acceptAnswer(sdp) {
      await page.evaluate((answer) => window.peer!.setRemoteDescription({ type: 'answer', sdp: answer }), sdp);
    },
    async answerOffer(sdp) {
      await page.evaluate(async (offer) => {
        const pc = window.peer!;
        await pc.setRemoteDescription({ type: 'offer', sdp: offer });
        await pc.setLocalDescription(await pc.createAnswer());
      }, sdp);
      return gathered(page);
    },
    async close() {
      await page.evaluate(() => window.peer?.close());
    },
  };
}

/**
 * The loudest RMS level of the softphone's <audio> element over `ms`: above zero when the
 * remote party's audio really plays (a live track with energy).
 */
export async function remoteAudioLevel(page: Page, ms = 2_000): Promise<{ isLive: boolean; level: number }> {
  return page.evaluate(async (duration) => {
    const audio = document.querySelector<HTMLAudioElement>('[data-testid=remote-audio]');
    const stream = audio?.srcObject as MediaStream | null;
    const track = stream?.getAudioTracks()[0];
    if (!stream || !track) return { isLive: false, level: 0 };
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let level = 0;
    const until = performance.now() + duration;
    while (performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      level = Math.max(level, Math.sqrt(sum / samples.length));
    }
    await context.close();
    return { isLive: track.readyState === 'live' && !audio!.paused, level };
  }, ms);
}
