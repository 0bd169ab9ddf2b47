/**
 * Which addresses the server may connect to on a URL it was given (a gate webhook, a media
 * URL from the Graph API, a speech endpoint): public unicast only, unless the operator's
 * allow-list (OUTBOUND_ALLOWED_HOSTS) names the host or a range holding the address.
 * The ranges are IANA's special-purpose registries (RFC 6890 and its updates): a URL that
 * reaches any of them could read cloud metadata (169.254.169.254, fd00:ec2::254,
 * 100.100.100.200) or services bound to the host or its private network.
 */
import { BlockList, isIP } from 'node:net';

const BLOCKED_V4: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignment'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const BLOCKED_V6: readonly [string, number, string][] = [
  // ::/128 (unspecified), ::1 (loopback) and the deprecated IPv4-compatible form.
  ['::', 96, 'unspecified or loopback'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function blockListOf(ranges: readonly [string, number, string][], type: 'ipv4' | 'ipv6') {
  return ranges.map(([network, prefix, label]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return { list, label };
  });
}

const V4_RANGES = blockListOf(BLOCKED_V4, 'ipv4');
const V6_RANGES = blockListOf(BLOCKED_V6, 'ipv6');

/** The 16 bytes of an IPv6 address (any textual form Node accepts). */
function ipv6Bytes(address: string): Buffer | undefined {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (group.includes('.')) {
            const octets = group.split('.').map(Number);
            return [((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)];
          }
          return [Number.parseInt(group, 16)];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return bytes;
}

/** The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::/96) address carries. */
export function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  const isMapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes.readUInt16BE(10) === 0xffff;
  const isNat64 = bytes.readUInt32BE(0) === 0x0064ff9b && bytes.subarray(4, 12).every((b) => b === 0);
  return isMapped || isNat64 ? [...bytes.subarray(12)].join('.') : undefined;
}

/** Why an address is not public unicast, or undefined when it is. */
export function specialPurposeOf(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return V4_RANGES.find((r) => r.list.check(address, 'ipv4'))?.label;
  if (family === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== undefined) return specialPurposeOf(inner);
    return V6_RANGES.find((r) => r.list.check(address, 'ipv6'))?.label;
  }
  return 'not an IP address';
}

/**
 * The operator's exceptions: host names (exact, case-insensitive) and addresses or CIDR
 * ranges (`127.0.0.1`, `10.20.0.0/16`, `fd00::/8`).
 */
export class OutboundAllowList {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const [network = '', prefix] = entry.split('/');
      const family = isIP(network);
      if (family === 0) {
        this.hosts.add(entry.replace(/\.$/, ''));
        continue;
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      this.ranges.addSubnet(network, bits, type);
    }
  }

  /** Throws on an entry that is neither a host name nor a valid address or range. */
  static parse(value: string): OutboundAllowList {
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const [network = '', prefix, extra] = entry.split('/');
      const family = isIP(network);
      if (family === 0 && prefix === undefined && /^[a-z0-9.-]{1,253}$/i.test(entry)) continue;
      const max = family === 4 ? 32 : 128;
      const bits = Number(prefix ?? max);
      if (family === 0 || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > max) {
        throw new Error(`not a host name, address or CIDR range: ${entry}`);
      }
    }
    return new OutboundAllowList(entries);
  }

  isHostAllowed(hostname: string): boolean {
    return this.hosts.has(hostname.toLowerCase().replace(/\.$/, ''));
  }

  isAddressAllowed(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const inner = family === 6 ? embeddedIpv4(address) : undefined;
    return inner !== undefined && this.ranges.check(inner, 'ipv4');
  }
}

/** Why the server may not connect to `address` for `hostname`, or undefined when it may. */
export function refusalOf(allowList: OutboundAllowList, hostname: string, address: string): string | undefined {
  if (allowList.isHostAllowed(hostname) || allowList.isAddressAllowed(address)) return undefined;
  const label = specialPurposeOf(address);
  return label === undefined ? undefined : `${address} is a ${label} address`;
}
