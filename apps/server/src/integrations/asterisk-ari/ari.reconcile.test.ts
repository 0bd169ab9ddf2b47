import { describe, expect, it } from 'vitest';
import { computeReconnectDelayMs } from './ari.connection.js';
import { isInStasisApp, reconcileChannels } from './ari.reconcile.js';
import type { AriChannel } from './ari.types.js';

function channel(id: string, appName: string, appData: string): AriChannel {
  return {
    id,
    name: `Local/100@cc-test-00000001;2`,
    state: 'Up',
    protocol_id: '',
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'cc-test', exten: '100', priority: 3, app_name: appName, app_data: appData },
    creationtime: '2026-11-23T12:39:25.448+0000',
    language: 'en',
  };
}

describe('isInStasisApp', () => {
  it('reads the app from the Stasis dialplan step, with or without args', () => {
    expect(isInStasisApp(channel('a', 'Stasis', 'callcenter,agent,1001'), 'callcenter')).toBe(true);
    expect(isInStasisApp(channel('a', 'Stasis', 'callcenter'), 'callcenter')).toBe(true);
    expect(isInStasisApp(channel('a', 'Stasis', 'callcenter2,x'), 'callcenter')).toBe(false);
    expect(isInStasisApp(channel('a', 'Playback', 'demo-congrats'), 'callcenter')).toBe(false);
  });
});

describe('reconcileChannels', () => {
  it('sorts known and listed channels into gone, still in Stasis, left Stasis and unknown', () => {
    const report = reconcileChannels({
      app: 'callcenter',
      isReconnect: true,
      knownAsteriskChannelIds: ['gone-1', 'stays-1', 'continued-1'],
      channels: [
        channel('stays-1', 'Stasis', 'callcenter,inbound'),
        channel('continued-1', 'Playback', 'demo-congrats'),
        channel('new-1', 'Stasis', 'callcenter,inbound'),
        channel('other-1', 'Wait', '60'),
      ],
    });
    expect(report.goneAsteriskChannelIds).toEqual(['gone-1']);
    expect(report.stillInStasis.map((c) => c.id)).toEqual(['stays-1']);
    expect(report.leftStasis.map((c) => c.id)).toEqual(['continued-1']);
    expect(report.unknownInStasis.map((c) => c.id)).toEqual(['new-1']);
  });

  it('does not report alive a channel whose destruction arrived while the list was in flight', () => {
    const report = reconcileChannels({
      app: 'callcenter',
      isReconnect: true,
      knownAsteriskChannelIds: ['s12-inbound'],
      channels: [channel('s12-inbound', 'Stasis', 'callcenter,inbound')],
      destroyedMeanwhile: new Set(['s12-inbound']),
    });
    expect(report).toMatchObject({
      goneAsteriskChannelIds: [],
      stillInStasis: [],
      leftStasis: [],
      unknownInStasis: [],
    });
  });

  it('reports as left a channel whose StasisEnd arrived while the list was in flight', () => {
    const report = reconcileChannels({
      app: 'callcenter',
      isReconnect: false,
      knownAsteriskChannelIds: ['a'],
      channels: [channel('a', 'Stasis', 'callcenter'), channel('b', 'Stasis', 'callcenter')],
      leftStasisMeanwhile: new Set(['a', 'b']),
    });
    expect(report.leftStasis.map((c) => c.id)).toEqual(['a']);
    expect(report.unknownInStasis).toEqual([]);
  });
});

describe('computeReconnectDelayMs', () => {
  it('doubles from the initial delay up to the cap, with at most half of it random', () => {
    const settings = { initialDelayMs: 100, maxDelayMs: 1_000 };
    expect(computeReconnectDelayMs(0, settings, () => 0)).toBe(50);
    expect(computeReconnectDelayMs(0, settings, () => 1)).toBe(100);
    expect(computeReconnectDelayMs(3, settings, () => 1)).toBe(800);
    expect(computeReconnectDelayMs(10, settings, () => 1)).toBe(1_000);
    expect(computeReconnectDelayMs(10, settings, () => 0)).toBe(500);
    expect(computeReconnectDelayMs(1_000, settings, () => 0.5)).toBe(750);
  });
});
