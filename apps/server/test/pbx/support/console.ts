/**
 * The console in Debian's Chromium for PBX scenarios. The browser steps are the web e2e
 * suite's own (apps/web/e2e/support: Chromium with fake media through playwright-core,
 * signing in, the remote audio level), loaded at run time rather than imported: they are
 * typed for the browser's world, this package for Node's, so only the little the scenarios
 * use is typed here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './asterisk.js';

/** The built console; the suite's global setup builds it when it is missing. */
export const WEB_DIST = join(REPO_ROOT, 'apps', 'web', 'dist');
const WEB_E2E_SUPPORT = join(REPO_ROOT, 'apps', 'web', 'e2e', 'support');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The harness's WSS certificate is self-signed: Chromium takes it with this flag (the
 * other WebRTC flags, fake microphone included, are the e2e suite's).
 */
export const PBX_CHROMIUM_ARGS = ['--ignore-certificate-errors'];

/** Why the console cannot be driven here, in one line; '' when it can. */
export function consoleSkipReason(): string {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or CHROMIUM_PATH)`;
  if (!existsSync(join(WEB_DIST, 'index.html'))) return `the console is not built (npm run build --workspace apps/web)`;
  return '';
}

export interface ConsoleLocator {
  waitFor(options?: { timeout?: number; state?: 'attached' | 'detached' | 'visible' | 'hidden' }): Promise<void>;
  textContent(): Promise<string | null>;
  fill(value: string): Promise<void>;
  click(): Promise<void>;
}

export interface ConsolePage {
  locator(selector: string, options?: { hasText?: string | RegExp }): ConsoleLocator;
  getByTestId(testId: string): ConsoleLocator;
  /** A function's source, run in the page (typed here, since this package has no DOM types). */
  evaluate<T>(expression: string): Promise<T>;
  screenshot(options: { path: string }): Promise<unknown>;
}

export interface ConsoleSession {
  page: ConsolePage;
  /** Browser console errors and page errors. */
  errors: string[];
  close(): Promise<void>;
}

export interface ConsoleBrowser {
  open(baseUrl: string): Promise<ConsoleSession>;
  signIn(page: ConsolePage, email: string, password: string): Promise<void>;
  /** The loudest RMS level of the softphone's <audio> element over `ms` (web e2e's webrtc-peer.ts). */
  remoteAudioLevel(page: ConsolePage, ms?: number): Promise<{ isLive: boolean; level: number }>;
  screenshotPath(name: string): string;
}

export async function consoleBrowser(): Promise<ConsoleBrowser> {
  const load = (file: string) => import(pathToFileURL(join(WEB_E2E_SUPPORT, file)).href);
  const [browser, steps, webrtc] = await Promise.all([load('browser.ts'), load('console.ts'), load('webrtc-peer.ts')]);
  return {
    open: (baseUrl) => browser.openSession({ baseUrl, args: PBX_CHROMIUM_ARGS }),
    signIn: (page, email, password) => steps.signIn(page, email, password),
    remoteAudioLevel: (page, ms) => webrtc.remoteAudioLevel(page, ms),
    screenshotPath: (name) => browser.screenshotPath(name),
  };
}
