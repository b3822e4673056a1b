import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { FraiseqlError } from '@fraiseql/errors';

/** Ranges an action may not reach unless configuration names them (ADR 0102, "SSRF"). */
const BLOCKED_RANGES: ReadonlyArray<readonly [cidr: string, category: string]> = [
  ['169.254.169.254/32', 'cloud metadata'],
  ['100.100.100.200/32', 'cloud metadata'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'private (IETF protocol assignments)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'private (benchmarking)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved or broadcast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b::/96', 'NAT64 (embeds an IPv4 address)'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private (site-local)'],
  ['ff00::/8', 'multicast'],
];

export interface TargetAddressPolicyOptions {
  /**
   * Targets allowed although they resolve to a blocked range: host names (exact, case-insensitive, e.g.
   * `hooks.internal`), IP addresses or CIDRs (`10.1.0.0/16`, `127.0.0.1`, `::1`). Empty by default.
   */
  allow?: readonly string[];
  /** Resolves a host name to every address. Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: (hostname: string) => Promise<string[]>;
}

const resolveAll = async (hostname: string): Promise<string[]> =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * The SSRF guard: resolves a target host and returns the one address the connection must use, refusing
 * (FRAISEQL_ACTION_BLOCKED) when any resolved address lies in a blocked range the allowlist does not cover.
 * Every address is checked, not only the first, so a name that answers with one public and one private
 * address is refused whichever the resolver would have preferred.
 */
export class TargetAddressPolicy {
  private readonly allowedHosts: Set<string>;
  private readonly allowedRanges = new BlockList();
  private readonly blocked = BLOCKED_RANGES.map(([cidr, category]) => ({ category, list: blockListOf(cidr) }));
  private readonly resolve: (hostname: string) => Promise<string[]>;

  constructor(options: TargetAddressPolicyOptions = {}) {
    this.resolve = options.resolve ?? resolveAll;
    this.allowedHosts = new Set();
    for (const entry of options.allow ?? []) {
      const text = entry.trim().toLowerCase();
      if (text.includes('/') || isIP(stripBrackets(text))) addRange(this.allowedRanges, stripBrackets(text), entry);
      else if (/^[a-z0-9.-]+$/.test(text)) this.allowedHosts.add(text.replace(/\.$/, ''));
      else
        throw new FraiseqlError(
          'FRAISEQL_CONFIG_INVALID',
          `SSRF allowlist entry ${JSON.stringify(entry)} is neither a host name nor a CIDR`,
        );
    }
  }

  /** The address to connect to for `hostname` (a name, or an IP literal with or without brackets). */
  async addressFor(hostname: string): Promise<string> {
    const host = stripBrackets(hostname).toLowerCase().replace(/\.$/, '');
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    if (addresses.length === 0) throw Object.assign(new Error(`${host} resolved to no address`), { code: 'ENOTFOUND' });
    if (this.allowedHosts.has(host)) return addresses[0]!;
    for (const address of addresses) {
      const category = this.blockedCategory(address);
      if (category !== undefined) {
        const via = address === host ? '' : ` (resolved from ${host})`;
        throw new FraiseqlError(
          'FRAISEQL_ACTION_BLOCKED',
          `${address}${via} is a ${category} address; the SSRF allowlist does not allow it`,
          {
            details: { host, address, category },
          },
        );
      }
    }
    return addresses[0]!;
  }

  /** The blocked category of an address, or `undefined` when it may be reached. */
  blockedCategory(address: string): string | undefined {
    const plain = unmapIpv4(address);
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowedRanges.check(plain, family)) return undefined;
    return this.blocked.find((range) => range.list.check(plain, family))?.category;
  }
}

function blockListOf(cidr: string): BlockList {
  const list = new BlockList();
  addRange(list, cidr, cidr);
  return list;
}

function addRange(list: BlockList, text: string, original: string): void {
  const [network = '', prefixText] = text.split('/');
  const family = isIP(network);
  const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `SSRF allowlist entry ${JSON.stringify(original)} is not a valid IP address or CIDR`,
    );
  }
  list.addSubnet(network, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** `::ffff:10.0.0.1` (or `::ffff:a00:1`) is IPv4 10.0.0.1 on the wire: judge it as such. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return address;
  if (match[1]) return match[1];
  const high = parseInt(match[2]!, 16);
  const low = parseInt(match[3]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
