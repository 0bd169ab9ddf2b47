/**
 * The softphone against a real SIP server: Debian's Kamailio (e2e/kamailio/kamailio.cfg,
 * SIP over WebSocket, registrar in memory, routing between registered users) and a real
 * Switchboard whose SIP_WSS_URL points at it. Two agents register: the callee in the
 * console, the caller in a page running the console's own JsSIP user agent module
 * (jssip-user-agent.ts, bundled for the page, since the console dials through the API).
 * The caller calls the callee, the console rings, answers, audio flows both ways with
 * Chromium's fake microphone, and the console's hang-up ends both sides.
 *
 * Media must stay on loopback (../shared/softphone-e2e-notes.md): everything runs in its
 * own network namespace, where `lo` is the only interface. Run outside one, this file
 * re-runs itself under `unshare -n` (root) and reports the inner run's result.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CreateUserAgent, SipUserAgent } from '../src/features/softphone/sip-ports';
import { openSession, screenshotPath, type Session } from './support/browser';
import { signIn } from './support/console';
import { isCi, recordSkip } from './support/programs';
import { createUser, startServer, type RunningServer } from './support/server';
import { remoteAudioLevel } from './support/webrtc-peer';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = fileURLToPath(new URL('./kamailio/kamailio.cfg', import.meta.url));
const KAMAILIO = ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'].find(
  (path) => spawnSync(path, ['-v'], { stdio: 'ignore' }).status === 0,
);
const WS_PORT = 5066;
const INSIDE = process.env.SWITCHBOARD_E2E_NETNS === '1';

interface Device {
  extension: number;
  sip_uri: string;
  sip_username: string;
  sip_password: string;
  wss_url: string | null;
}

// Outside CI a machine without Kamailio, or a user who cannot make a network namespace,
// skips this file and says so in the run's summary; CI (CI=true, as root) runs it.
const missing = !KAMAILIO ? 'no kamailio' : !INSIDE && process.getuid?.() !== 0 ? 'not root (unshare -n)' : undefined;

if (missing && !isCi) {
  recordSkip({
    suite: 'softphone through Kamailio',
    reason: missing,
    ...(KAMAILIO ? {} : { debianPackage: 'kamailio kamailio-websocket-modules' }),
  });
  describe.skip(`the softphone against Kamailio (skipped: ${missing})`, () => {
    it('calls between two registered agents', () => undefined);
  });
} else if (!KAMAILIO) {
  describe('the softphone against Kamailio', () => {
    it('needs kamailio, which CI installs', () => {
      expect.fail('kamailio is not installed: apt-get install kamailio kamailio-websocket-modules');
    });
  });
} else if (!INSIDE) {
  describe('the softphone against Kamailio (in its own network namespace)', () => {
    it('passes under unshare -n', async () => {
      expect(process.getuid?.(), 'unshare -n needs root').toBe(0);
      const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
      const file = fileURLToPath(import.meta.url);
      // `lo` starts down in a new namespace; the inner run is this file alone.
      const command = 'ip link set lo up && exec "$0" "$1" run --config vitest.e2e.config.ts "$2"';
      const child = spawn('unshare', ['-n', 'sh', '-c', command, process.execPath, vitest, file], {
        cwd: WEB_DIR,
        env: { ...process.env, SWITCHBOARD_E2E_NETNS: '1' },
        stdio: 'inherit',
        detached: true,
      });
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        }, 110_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code, 'the run inside the network namespace (its output is above)').toBe(0);
    }, 120_000);
  });
} else {
  describe('the softphone against Kamailio', () => {
    let kamailio: ChildProcess;
    const kamailioLog: string[] = [];
    let runDir = '';
    let api: RunningServer;
    let callee: Session;
    let caller: Session;
    let page: Page;
    let callerPage: Page;
    let calleeDevice: Device;
    let callerDevice: Device;

    const phase = (value: string) => page.locator(`[data-testid=call-panel][data-phase=${value}]`);

    beforeAll(async () => {
      const interfaces = Object.keys(networkInterfaces());
      expect(interfaces, 'only loopback in the network namespace').toEqual(['lo']);

      runDir = mkdtempSync(join(tmpdir(), 'switchboard-kamailio-'));
      kamailio = spawn(
        KAMAILIO,
        ['-f', CONFIG, '-P', join(runDir, 'kamailio.pid'), '-m', '64', '-M', '8', '-DD', '-E', '-Y', runDir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      for (const stream of [kamailio.stdout!, kamailio.stderr!]) {
        stream.on('data', (chunk: Buffer) => kamailioLog.push(chunk.toString('utf8')));
      }
      await waitForPort(WS_PORT, 10_000, () => kamailioLog.join('').slice(-2000));

      api = await startServer({ SIP_WSS_URL: `ws://127.0.0.1:${WS_PORT}/ws`, SIP_DOMAIN: '127.0.0.1' });
      const calleeUser = await createUser(api, { role: 'agent', name: 'Bia Atendente', device_template: 'webrtc' });
      const callerUser = await createUser(api, { role: 'agent', name: 'Caio Agente', device_template: 'webrtc' });
      const device = async (token: string) => {
        const response = await api.request<Device>('GET', '/api/users/me/device', { token });
        expect(response.status).toBe(200);
        return response.body;
      };
      calleeDevice = await device(calleeUser.token);
      callerDevice = await device(callerUser.token);
      expect(calleeDevice.wss_url).toBe(`ws://127.0.0.1:${WS_PORT}/ws`);

      callee = await openSession({ baseUrl: api.baseUrl });
      page = callee.page;
      await signIn(page, calleeUser.email, calleeUser.password);

      // The caller is a bare JsSIP page injected into /health, which the server's CSP refuses.
      caller = await openSession({ baseUrl: api.baseUrl, bypassCsp: true });
      callerPage = caller.page;
      await callerPage.goto('/health');
      await callerPage.addScriptTag({ content: await bundleUserAgent() });
    }, 90_000);

    afterAll(async () => {
      await caller?.close();
      await callee?.close();
      await api?.close();
      if (kamailio) await stopProcess(kamailio);
      if (runDir) rmSync(runDir, { recursive: true, force: true });
    });

    it('registers both agents with Kamailio', async () => {
      await page.locator('[data-testid=sip-status][data-state=registered]').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('softphone').textContent()).toContain(`Phone · ${calleeDevice.extension}`);
      const registered = await callerPage.evaluate(
        (device) =>
          new Promise<string>((resolve) => {
            const ua = window.sipTest!.createJsSipUserAgent({
              wssUrl: device.wss_url!,
              uri: device.sip_uri,
              username: device.sip_username,
              password: device.sip_password,
              displayName: 'Caio Agente',
            });
            // The port types only what the console uses; the JsSIP UA behind it can call().
            window.sipUa = ua as NonNullable<typeof window.sipUa>;
            ua.on('registered', () => resolve('registered'));
            ua.on('registrationFailed', (event) => resolve(`failed: ${event.cause ?? ''}`));
            setTimeout(() => resolve('timeout'), 15_000);
            ua.start();
          }),
        callerDevice,
      );
      expect(registered, kamailioLog.join('').slice(-2000)).toBe('registered');
    });

    it('rings, answers, carries audio both ways on loopback, and hangs up on both sides', async () => {
      // The caller dials the callee's SIP URI: Kamailio finds it in its location table.
      await callerPage.evaluate((target) => {
        const audio = document.createElement('audio');
        audio.dataset.testid = 'remote-audio';
        audio.autoplay = true;
        document.body.append(audio);
        const events: string[] = [];
        window.callEvents = events;
        window.callSession = window.sipUa!.call(target, {
          mediaConstraints: { audio: true, video: false },
          pcConfig: { iceServers: [] },
          eventHandlers: {
            peerconnection: ({ peerconnection }: { peerconnection: RTCPeerConnection }) => {
              peerconnection.addEventListener('track', (event) => {
                audio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
                void audio.play().catch(() => undefined);
              });
            },
            progress: (event: { response?: { status_code?: number } }) =>
              events.push(`progress ${event.response?.status_code ?? ''}`),
            confirmed: () => events.push('confirmed'),
            ended: (event: { originator?: string; cause?: string }) =>
              events.push(`ended ${event.originator ?? ''} ${event.cause ?? ''}`),
            failed: (event: { cause?: string }) => events.push(`failed ${event.cause ?? ''}`),
          },
        });
      }, calleeDevice.sip_uri);

      await phase('ringing').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('call-party').textContent()).toContain(String(callerDevice.extension));
      await waitForCallEvent(callerPage, /^progress 180$/);

      await page.getByTestId('answer').click();
      await phase('active').waitFor({ timeout: 15_000 });
      await waitForCallEvent(callerPage, /^confirmed$/);
      await page.locator('[data-testid=call-timer]', { hasText: /0:0[1-9]/ }).waitFor({ timeout: 10_000 });

      // The console plays the caller's fake microphone, and the caller hears the console.
      const heard = await remoteAudioLevel(page);
      expect(heard.isLive).toBe(true);
      expect(heard.level).toBeGreaterThan(0.001);
      const heardByCaller = await remoteAudioLevel(callerPage);
      expect(heardByCaller.isLive).toBe(true);
      expect(heardByCaller.level).toBeGreaterThan(0.001);
      await page.screenshot({ path: screenshotPath('softphone-kamailio-in-call') });

      // RTP really flowed, browser to browser over 127.0.0.1.
      const stats = await callerPage.evaluate(async () => {
        const pc = window.callSession!.connection!;
        const report = await pc.getStats();
        let packetsReceived = 0;
        let energy = 0;
        let pair: { local?: string; remote?: string } = {};
        report.forEach((stat: Record<string, unknown>) => {
          if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
            packetsReceived += Number(stat.packetsReceived ?? 0);
            energy += Number(stat.totalAudioEnergy ?? 0);
          }
          if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
            const selected = report.get(stat.selectedCandidatePairId) as Record<string, string> | undefined;
            const local =
              selected && (report.get(selected.localCandidateId ?? '') as Record<string, string> | undefined);
            const remote =
              selected && (report.get(selected.remoteCandidateId ?? '') as Record<string, string> | undefined);
            pair = { local: local?.address ?? local?.ip, remote: remote?.address ?? remote?.ip };
          }
        });
        return { packetsReceived, energy, pair };
      });
      expect(stats.packetsReceived).toBeGreaterThan(20);
      expect(stats.energy).toBeGreaterThan(0);
      expect(stats.pair).toEqual({ local: '127.0.0.1', remote: '127.0.0.1' });

      // The console hangs up: its BYE goes through Kamailio's route set to the caller.
      await page.getByTestId('hangup').click();
      await page.getByTestId('call-panel').waitFor({ state: 'detached', timeout: 10_000 });
      expect(await page.getByTestId('last-call').textContent()).toContain(String(callerDevice.extension));
      await waitForCallEvent(callerPage, /^ended remote (BYE|Terminated)$/i);
    });

    it('raised no errors in the console', () => {
      expect(callee.errors.filter((error) => !/WebSocket|net::ERR_/.test(error))).toEqual([]);
    });
  });
}

declare global {
  interface Window {
    sipTest?: { createJsSipUserAgent: CreateUserAgent };
    sipUa?: SipUserAgent & {
      call(target: string, options: Record<string, unknown>): { connection: RTCPeerConnection | null };
    };
    callSession?: { connection: RTCPeerConnection | null };
    callEvents?: string[];
  }
}

/** The console's JsSIP user agent module, bundled for a plain page (window.sipTest). */
async function bundleUserAgent(): Promise<string> {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(new URL('../src/features/softphone/jssip-user-agent.ts', import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'sipTest',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

async function waitForCallEvent(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let events: string[] = [];
  while (Date.now() < until) {
    events = await page.evaluate(() => window.callEvents ?? []);
    if (events.some((event) => pattern.test(event))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no call event ${String(pattern)} on the caller: ${events.join(', ')}`);
}

async function waitForPort(port: number, timeoutMs: number, log: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Kamailio did not listen on ${port}:\n${log()}`);
}

/** SIGTERM (Kamailio stops its children), SIGKILL if it hangs. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
