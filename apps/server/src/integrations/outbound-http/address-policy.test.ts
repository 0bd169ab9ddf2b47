import { describe, expect, it } from 'vitest';
import { OutboundAllowList, refusalOf, specialPurposeOf } from './address-policy.js';

describe('special-purpose addresses', () => {
  it('names loopback, private, link-local, CGNAT, unique-local, multicast, unspecified and metadata addresses', () => {
    expect(specialPurposeOf('127.0.0.1')).toBe('loopback');
    expect(specialPurposeOf('10.1.2.3')).toBe('private');
    expect(specialPurposeOf('172.31.255.255')).toBe('private');
    expect(specialPurposeOf('192.168.0.1')).toBe('private');
    expect(specialPurposeOf('169.254.169.254')).toBe('link-local');
    expect(specialPurposeOf('100.100.100.200')).toBe('carrier-grade NAT');
    expect(specialPurposeOf('0.0.0.0')).toBe('unspecified');
    expect(specialPurposeOf('224.0.0.1')).toBe('multicast');
    expect(specialPurposeOf('::1')).toBe('unspecified or loopback');
    expect(specialPurposeOf('::')).toBe('unspecified or loopback');
    expect(specialPurposeOf('fd00:ec2::254')).toBe('unique-local');
    expect(specialPurposeOf('fe80::1')).toBe('link-local');
    expect(specialPurposeOf('ff02::1')).toBe('multicast');
  });

  it('sees through IPv4-mapped and NAT64 forms', () => {
    expect(specialPurposeOf('::ffff:127.0.0.1')).toBe('loopback');
    expect(specialPurposeOf('::ffff:a9fe:a9fe')).toBe('link-local');
    expect(specialPurposeOf('64:ff9b::10.0.0.1')).toBe('private');
  });

  it('lets public unicast through', () => {
    expect(specialPurposeOf('157.240.1.1')).toBeUndefined();
    expect(specialPurposeOf('2a03:2880:f10c::1')).toBeUndefined();
    expect(specialPurposeOf('172.32.0.1')).toBeUndefined();
  });
});

describe('the allow-list', () => {
  const list = OutboundAllowList.parse('gate.internal, 10.20.0.0/16, 127.0.0.1, fd00::/8');

  it('allows the named hosts, addresses and ranges, and nothing else private', () => {
    expect(refusalOf(list, 'gate.internal', '10.99.0.1')).toBeUndefined();
    expect(refusalOf(list, 'GATE.internal.', '192.168.1.1')).toBeUndefined();
    expect(refusalOf(list, 'x', '10.20.3.4')).toBeUndefined();
    expect(refusalOf(list, 'x', '::ffff:10.20.3.4')).toBeUndefined();
    expect(refusalOf(list, 'x', '127.0.0.1')).toBeUndefined();
    expect(refusalOf(list, 'x', 'fd12::1')).toBeUndefined();
    expect(refusalOf(list, 'x', '127.0.0.2')).toBe('127.0.0.2 is a loopback address');
    expect(refusalOf(list, 'x', '10.21.0.1')).toBe('10.21.0.1 is a private address');
    expect(refusalOf(list, 'x', '169.254.169.254')).toBe('169.254.169.254 is a link-local address');
  });

  it('refuses entries that are neither names nor ranges', () => {
    expect(() => OutboundAllowList.parse('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => OutboundAllowList.parse('http://x')).toThrow();
  });
});
