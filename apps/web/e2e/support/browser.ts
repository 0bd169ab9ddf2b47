/**
 * Debian's Chromium driven by playwright-core (no browser download). Each context gets
 * its own fresh user-data directory (a persistent context), and the flags that let
 * WebRTC run on loopback with fake media (../shared/asterisk-traces/pjsip-realtime-proof.md).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from './programs';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebRTC between pages on 127.0.0.1, with a fake microphone and no permission prompt.
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Chromium looks up Google hosts even with background networking off.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Browser console errors and page errors, for assertions and for failure reports. */
  errors: string[];
  close(): Promise<void>;
}

export async function openSession(options: {
  baseUrl: string;
  viewport?: { width: number; height: number };
  locale?: string;
  /** Only for a bare test page that injects its own script (never the console, whose CSP is under test). */
  bypassCsp?: boolean;
  /** Flags added to CHROMIUM_ARGS (the PBX suite's `--ignore-certificate-errors` for a self-signed WSS). */
  args?: string[];
}): Promise<Session> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH.`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'en-US',
    baseURL: options.baseUrl,
    permissions: ['microphone'],
    bypassCSP: options.bypassCsp ?? false,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Where the e2e run saves screenshots for a reviewer (not committed). */
export function screenshotPath(name: string): string {
  const dir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
