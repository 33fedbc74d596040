// Which IP addresses a download may reach: global unicast only, decided by an allow list of ranges
// (everything not listed is refused), and IPv6 forms that carry an IPv4 address judged by that
// address. Ranges from IANA's IPv4/IPv6 special-purpose registries (RFC 6890 and successors).
import ipaddr from 'ipaddr.js';

type Range = readonly [string, number];

/** IPv4 unicast space; multicast (224/4), reserved (240/4) and broadcast are outside it. */
const IPV4_ALLOWED: readonly Range[] = [['0.0.0.0', 1], ['128.0.0.0', 2], ['192.0.0.0', 3]];
/** Special-purpose blocks inside that space that are not globally reachable. */
const IPV4_CARVED_OUT: readonly Range[] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
];

/** IPv6 global unicast; everything else (ULA, link-local, multicast, ::/8 …) is refused unless it embeds IPv4. */
const IPV6_ALLOWED: readonly Range[] = [['2000::', 3]];
const IPV6_CARVED_OUT: readonly Range[] = [
  ['2001::', 23], // IETF protocol assignments (Teredo, 2001::/32, is judged by its IPv4 addresses first)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
];

const parseRanges = (ranges: readonly Range[]) => ranges.map(([address, bits]) => [ipaddr.parse(address), bits] as const);
const V4_ALLOWED = parseRanges(IPV4_ALLOWED);
const V4_CARVED = parseRanges(IPV4_CARVED_OUT);
const V6_ALLOWED = parseRanges(IPV6_ALLOWED);
const V6_CARVED = parseRanges(IPV6_CARVED_OUT);

const inAny = (address: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[]) =>
  ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

/** The name ipaddr.js gives a range, or a generic one where it only says "unicast". */
function rangeName(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const name = address.range();
  return name === 'unicast' ? 'special-purpose (not global unicast)' : name;
}

function v4FromBytes(bytes: readonly number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4([...bytes]);
}

/** An IPv6 address's bits [from, from+32) (skipping RFC 6052's "u" octet, bits 64–71, when asked). */
function v4At(bytes: readonly number[], bitOffset: number, skipU: boolean): ipaddr.IPv4 {
  const out: number[] = [];
  for (let i = bitOffset / 8; out.length < 4; i++) {
    if (skipU && i === 8) continue;
    out.push(bytes[i]);
  }
  return v4FromBytes(out);
}

interface Embedded {
  form: string;
  addresses: ipaddr.IPv4[];
}

/** The IPv4 address(es) an IPv6 address carries, by the form it has; null when it carries none. */
export function embeddedIPv4(address: ipaddr.IPv6): Embedded | null {
  const bytes = address.toByteArray();
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const last32 = () => v4FromBytes(bytes.slice(12, 16));
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return { form: 'IPv4-mapped', addresses: [last32()] };
  if (zero(0, 12)) return { form: 'IPv4-compatible', addresses: [last32()] };
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) return { form: 'IPv4-translated', addresses: [last32()] };
  if (address.match(ipaddr.parse('64:ff9b::') as ipaddr.IPv6, 96)) return { form: 'NAT64', addresses: [last32()] };
  if (address.match(ipaddr.parse('64:ff9b:1::') as ipaddr.IPv6, 48)) {
    // The local-use NAT64 prefix may be used at any RFC 6052 length from /48 to /96: every reading must pass.
    return { form: 'local-use NAT64', addresses: [v4At(bytes, 48, true), v4At(bytes, 56, true), v4At(bytes, 72, false), last32()] };
  }
  if (address.match(ipaddr.parse('2002::') as ipaddr.IPv6, 16)) return { form: '6to4', addresses: [v4FromBytes(bytes.slice(2, 6))] };
  if (address.match(ipaddr.parse('2001::') as ipaddr.IPv6, 32)) {
    // Teredo: the server's address as is, the client's with every bit inverted.
    return { form: 'Teredo', addresses: [v4FromBytes(bytes.slice(4, 8)), v4FromBytes(bytes.slice(12, 16).map((b) => b ^ 0xff))] };
  }
  return null;
}

function whyNotGlobalV4(address: ipaddr.IPv4): string | null {
  if (inAny(address, V4_ALLOWED) && !inAny(address, V4_CARVED)) return null;
  return `${address.toString()} is a ${rangeName(address)} address`;
}

/** Why an address is not global unicast, or null when it is. */
export function whyNotGlobal(address: ipaddr.IPv4 | ipaddr.IPv6): string | null {
  if (address.kind() === 'ipv4') return whyNotGlobalV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  // ::1 and :: sit inside ::/96 but are IPv6's own loopback and unspecified addresses.
  if (range === 'loopback' || range === 'unspecified') return `${v6.toString()} is a ${range} address`;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    for (const v4 of embedded.addresses) {
      const why = whyNotGlobalV4(v4);
      if (why) return `${v6.toString()} is ${embedded.form} and carries ${why}`;
    }
    return null;
  }
  if (inAny(v6, V6_ALLOWED) && !inAny(v6, V6_CARVED)) return null;
  return `${v6.toString()} is a ${rangeName(v6)} address`;
}
