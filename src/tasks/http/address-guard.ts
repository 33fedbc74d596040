// The SSRF guard: only global unicast addresses may be fetched (global-unicast.ts: an allow list of
// ranges; IPv6 forms carrying IPv4 are judged by the IPv4), unless configuration allows a host.
// Checked before every hop (so refused targets see no traffic) and again inside the socket's DNS
// lookup, so a name that re-resolves to a private address between the two checks is still refused.
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { whyNotGlobal } from './global-unicast.ts';

/** Thrown (or passed to the socket) when the guard refuses a target; always permanent. */
export class GuardRefusal extends Error {
  readonly code = 'IFQUEUE_GUARD_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'GuardRefusal';
  }
}

export function isGuardRefusal(error: unknown): error is GuardRefusal {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'IFQUEUE_GUARD_REFUSED') return true;
    if (e instanceof AggregateError && e.errors.some(isGuardRefusal)) return true;
  }
  return false;
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** IPv6 text in its canonical form: ipaddr.js reads "::127.0.0.1" as the mapped ::ffff:7f00:1, the socket layer as ::7f00:1. */
function canonicalIPv6(bare: string): string | null {
  if (net.isIPv6(bare) === false) return null;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

function parseAddress(address: string): Parsed | null {
  let bare = address.replace(/^\[|\]$/g, '');
  if (bare.includes(':')) bare = canonicalIPv6(bare) ?? '';
  if (!ipaddr.isValid(bare)) return null;
  const parsed = ipaddr.parse(bare);
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

// Names that never reach a public host: single labels (resolved by the local search domain) and the
// special-use and private-use suffixes (RFC 6761, 6762, 8375; ICANN's .internal). Cloud metadata
// services answer to such names (metadata.google.internal).
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'lan', 'intranet', 'corp', 'private'];

/** Why a host name can only name a local or private host, or null when it may be public. */
export function privateHostName(host: string): string | null {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!name.includes('.')) return `${JSON.stringify(name)} is a single-label name (resolved on the local network)`;
  const suffix = PRIVATE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  return suffix ? `${JSON.stringify(name)} is under .${suffix}, a local or private-use name` : null;
}

export class AddressGuard {
  private readonly hosts = new Set<string>();
  private readonly ranges: [Parsed, number][] = [];

  constructor(allowHosts: readonly string[], private readonly lookupAll: LookupAll = systemLookup) {
    for (const entry of allowHosts) {
      if (entry.includes('/')) {
        const [address, bits] = ipaddr.parseCIDR(entry);
        this.ranges.push([address, bits]);
      } else {
        const address = parseAddress(entry);
        if (address) this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
        else this.hosts.add(entry.toLowerCase());
      }
    }
  }

  private allowedByConfig(address: Parsed): boolean {
    return this.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  }

  /** Why a host (an address or a name) may not be stored as a link to download from, or null; no lookup is made. */
  linkHostRefusal(host: string): string | null {
    const bare = host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
    if (this.hosts.has(bare)) return null;
    return net.isIP(bare) ? this.refusalOf(bare) : privateHostName(bare);
  }

  /** Why an address is refused, or null when it may be contacted. */
  refusalOf(address: string): string | null {
    const parsed = parseAddress(address);
    if (!parsed) return `"${address}" is not an IP address`;
    if (this.allowedByConfig(parsed)) return null;
    return whyNotGlobal(parsed);
  }

  /** Resolves the URL's host and refuses it unless every address is public (or allowed); no connection is made. */
  async checkUrl(url: URL): Promise<void> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GuardRefusal(`scheme ${url.protocol} is not allowed (http and https only)`);
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (!host) throw new GuardRefusal('URL has no host');
    if (this.hosts.has(host)) return;
    if (net.isIP(host)) {
      const why = this.refusalOf(host);
      if (why) throw new GuardRefusal(`refused ${host}: ${why}`);
      return;
    }
    let addresses: { address: string }[];
    try {
      addresses = await this.lookupAll(host);
    } catch (error) {
      throw Object.assign(new Error(`cannot resolve ${host}: ${(error as Error).message}`, { cause: error }), { code: (error as { code?: string }).code });
    }
    for (const { address } of addresses) {
      const why = this.refusalOf(address);
      if (why) throw new GuardRefusal(`refused ${host}: resolves to ${why}`);
    }
  }

  /** A `lookup` for net/tls.connect (undici's connector passes it through) that applies the same rule. */
  readonly lookup = (hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void): void => {
    const host = hostname.toLowerCase();
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      if (!this.hosts.has(host)) {
        for (const { address } of addresses) {
          const why = this.refusalOf(address);
          if (why) return callback(new GuardRefusal(`refused ${hostname} at connect time: resolves to ${why}`));
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
