import { BlockList, isIP } from "node:net";
import { domainToASCII } from "node:url";

/**
 * Which addresses a request to an address an admin typed in (a webhook URL) may reach: public
 * unicast only, unless the admin allow-listed a name or a network (WEBHOOK_ALLOWED_HOSTS).
 *
 * Pure: it parses and compares strings (node:net and node:url only for their parsers and
 * BlockList); the DNS lookup and the connection are outbound-guard.ts's.
 *
 * Refused: loopback, link-local, private (RFC 1918, RFC 4193 fc00::/7, site-local), shared
 * address space 100.64/10 (CGNAT), unspecified and "this network" 0/8, multicast, broadcast,
 * documentation, benchmarking and every other IANA special-purpose or unallocated range (an IPv6
 * address outside 2000::/3, 6to4, Teredo…). An IPv4 address written inside IPv6 (IPv4-mapped
 * ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d) is judged as that IPv4 address. Odd IPv4 spellings
 * (0x7f000001, 2130706433, 017700000001, 127.1, 0177.0.0.1) are read the way URL parsers and
 * inet_aton read them, so they cannot pass for names.
 */

export type IpFamily = "ipv4" | "ipv6";

/** An entry of the allow-list: a host name (as in URLs), or a network (an address is a /32 or /128). */
export type AllowedTarget =
  | { readonly kind: "name"; readonly name: string }
  | {
      readonly kind: "network";
      readonly address: string;
      readonly prefix: number;
      readonly family: IpFamily;
    };

export type AllowListParse =
  | { readonly ok: true; readonly targets: readonly AllowedTarget[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** What to do with a URL's host before any DNS lookup. */
export type HostDecision =
  /** A literal address (canonical form), allowed. */
  | { readonly kind: "allowed"; readonly address: string }
  /** A name: look it up and judge every address it resolves to (`name` is canonical). */
  | { readonly kind: "resolve"; readonly name: string }
  | { readonly kind: "refused"; readonly reason: string };

export type AddressVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

export interface AddressPolicy {
  /** Before DNS: decides a literal address (however it is spelt) and names that never need DNS. */
  host(hostname: string): HostDecision;
  /** After DNS: may a request for `hostname` connect to `address`? */
  address(address: string, hostname?: string): AddressVerdict;
}

interface Range {
  readonly address: string;
  readonly prefix: number;
  readonly what: string;
}

/** Checked in order: the first match names the reason. */
const REFUSED_IPV4: readonly Range[] = [
  { address: "0.0.0.0", prefix: 8, what: "an unspecified (this-network) address" },
  { address: "10.0.0.0", prefix: 8, what: "a private address" },
  { address: "100.64.0.0", prefix: 10, what: "a shared (CGNAT) address" },
  { address: "127.0.0.0", prefix: 8, what: "a loopback address" },
  { address: "169.254.0.0", prefix: 16, what: "a link-local address" },
  { address: "172.16.0.0", prefix: 12, what: "a private address" },
  { address: "192.0.0.0", prefix: 24, what: "a reserved address" },
  { address: "192.0.2.0", prefix: 24, what: "a documentation address" },
  { address: "192.88.99.0", prefix: 24, what: "a reserved address" },
  { address: "192.168.0.0", prefix: 16, what: "a private address" },
  { address: "198.18.0.0", prefix: 15, what: "a benchmarking address" },
  { address: "198.51.100.0", prefix: 24, what: "a documentation address" },
  { address: "203.0.113.0", prefix: 24, what: "a documentation address" },
  { address: "224.0.0.0", prefix: 4, what: "a multicast address" },
  { address: "255.255.255.255", prefix: 32, what: "the broadcast address" },
  { address: "240.0.0.0", prefix: 4, what: "a reserved address" },
];

/** IPv6 ranges judged before the global-unicast test (2000::/3): the first match names the reason. */
const REFUSED_IPV6: readonly Range[] = [
  { address: "::", prefix: 128, what: "the unspecified address" },
  { address: "::1", prefix: 128, what: "a loopback address" },
  { address: "64:ff9b:1::", prefix: 48, what: "a private address" },
  { address: "fc00::", prefix: 7, what: "a private (unique local) address" },
  { address: "fe80::", prefix: 10, what: "a link-local address" },
  { address: "fec0::", prefix: 10, what: "a private (site-local) address" },
  { address: "ff00::", prefix: 8, what: "a multicast address" },
  { address: "2001::", prefix: 23, what: "a reserved address" },
  { address: "2001:db8::", prefix: 32, what: "a documentation address" },
  { address: "2002::", prefix: 16, what: "a reserved (6to4) address" },
  { address: "3fff::", prefix: 20, what: "a documentation address" },
];

const compile = (ranges: readonly Range[], family: IpFamily) =>
  ranges.map((range) => {
    const list = new BlockList();
    list.addSubnet(range.address, range.prefix, family);
    return { list, what: range.what };
  });

const refusedIpv4 = compile(REFUSED_IPV4, "ipv4");
const refusedIpv6 = compile(REFUSED_IPV6, "ipv6");
const globalUnicast = new BlockList();
globalUnicast.addSubnet("2000::", 3, "ipv6");

/** An IPv6 address as 8 numbers of 16 bits; `address` must be valid (net.isIPv6). */
function ipv6Words(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const words = (part: string) => (part === "" ? [] : part.split(":").map((w) => Number.parseInt(w, 16)));
  if (tail === undefined) return words(head);
  const front = words(head);
  const back = words(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

const ipv4FromWords = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/** The IPv4 address an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address carries. */
export function embeddedIpv4(ipv6: string): string | undefined {
  const w = ipv6Words(ipv6);
  const [w0, w1, w2, w3, w4, w5, w6 = 0, w7 = 0] = w;
  const mapped = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0xffff;
  const nat64 = w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0;
  return mapped || nat64 ? ipv4FromWords(w6, w7) : undefined;
}

/** One part of an IPv4 address as inet_aton and the WHATWG URL parser read it: 0x… hex, 0… octal. */
function ipv4Part(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return undefined;
}

const endsInNumber = (host: string) => {
  const parts = host.split(".");
  if (parts.at(-1) === "" && parts.length > 1) parts.pop();
  const last = parts.at(-1) ?? "";
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
};

/**
 * An IPv4 address in any spelling URL parsers accept (1 to 4 parts, each decimal, 0-octal or
 * 0x-hex, the last filling the remaining bytes), as dotted decimal; undefined when it is not one.
 */
export function parseIpv4(host: string): string | undefined {
  const parts = host.split(".");
  if (parts.at(-1) === "" && parts.length > 1) parts.pop();
  if (parts.length > 4) return undefined;
  const numbers = parts.map(ipv4Part);
  if (numbers.some((n) => n === undefined || !Number.isSafeInteger(n))) return undefined;
  const values = numbers as number[];
  const last = values.pop() ?? 0;
  if (values.some((n) => n > 255) || last >= 256 ** (4 - values.length)) return undefined;
  let value = last;
  values.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

type ParsedHost =
  | { readonly kind: "ip"; readonly address: string; readonly family: IpFamily }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "invalid"; readonly reason: string };

/** A URL's host (brackets allowed around IPv6) or a resolved address, in canonical form. */
function parseHost(raw: string): ParsedHost {
  const host = raw.trim().replace(/^\[(.*)\]$/, "$1");
  if (host.includes("%")) return { kind: "invalid", reason: `${raw} has a zone index` };
  const version = isIP(host);
  if (version === 4) return { kind: "ip", address: host, family: "ipv4" };
  // The URL parser writes IPv6 the RFC 5952 way (lower case, longest zero run as "::").
  if (version === 6)
    return { kind: "ip", address: new URL(`http://[${host}]/`).hostname.slice(1, -1), family: "ipv6" };
  const ipv4 = parseIpv4(host.toLowerCase());
  if (ipv4 !== undefined) return { kind: "ip", address: ipv4, family: "ipv4" };
  // Lower case, IDN to punycode, and IPv4 spellings only a full host parser knows (full-width digits).
  const ascii = domainToASCII(host).replace(/\.$/, "");
  if (isIP(ascii) === 4) return { kind: "ip", address: ascii, family: "ipv4" };
  if (ascii === "" || endsInNumber(ascii) || !isHostName(ascii)) {
    return { kind: "invalid", reason: `${raw} is neither an IP address nor a valid host name` };
  }
  return { kind: "name", name: ascii };
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const isHostName = (name: string) =>
  name.length > 0 && name.length <= 253 && name.split(".").every((label) => LABEL.test(label));

/** "localhost" and names under it (RFC 6761) are loopback whatever DNS says. */
const isLocalhostName = (name: string) => name === "localhost" || name.endsWith(".localhost");

/** Why an address (canonical) may not be reached, or undefined when it is public unicast. */
export function refusedReason(address: string, family: IpFamily): string | undefined {
  if (family === "ipv4") {
    return refusedIpv4.find((range) => range.list.check(address, "ipv4"))?.what;
  }
  const ipv4 = embeddedIpv4(address);
  if (ipv4 !== undefined) {
    const what = refusedReason(ipv4, "ipv4");
    return what === undefined ? undefined : `${what} (IPv4 ${ipv4} inside IPv6)`;
  }
  const found = refusedIpv6.find((range) => range.list.check(address, "ipv6"));
  if (found) return found.what;
  return globalUnicast.check(address, "ipv6") ? undefined : "a reserved address";
}

/**
 * Reads WEBHOOK_ALLOWED_HOSTS: comma- or space-separated host names (`sms-gateway.internal`),
 * addresses (`10.0.0.5`, `fd00::5`) and networks (`10.20.0.0/16`, `fd00::/8`).
 */
export function parseAllowedTargets(raw: string): AllowListParse {
  const targets: AllowedTarget[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const [hostPart = "", prefixPart, extra] = entry.split("/");
    const host = parseHost(hostPart);
    if (extra !== undefined || host.kind === "invalid") {
      problems.push(`'${entry}' is not a host name, an address or a network (address/prefix)`);
      continue;
    }
    if (host.kind === "name") {
      if (prefixPart === undefined) targets.push({ kind: "name", name: host.name });
      else problems.push(`'${entry}': a prefix length needs an address, not a name`);
      continue;
    }
    const max = host.family === "ipv4" ? 32 : 128;
    const prefix = prefixPart === undefined ? max : /^[0-9]{1,3}$/.test(prefixPart) ? Number(prefixPart) : -1;
    if (prefix < 0 || prefix > max) {
      problems.push(`'${entry}': the prefix length must be a number from 0 to ${max}`);
      continue;
    }
    targets.push({ kind: "network", address: host.address, prefix, family: host.family });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, targets };
}

/** The policy with an allow-list (none: public unicast only). */
export function createAddressPolicy(allowed: readonly AllowedTarget[] = []): AddressPolicy {
  const names = new Set<string>();
  const networks = new BlockList();
  for (const target of allowed) {
    if (target.kind === "name") names.add(target.name);
    else networks.addSubnet(target.address, target.prefix, target.family);
  }
  const allowedNetwork = (address: string, family: IpFamily) => {
    if (networks.check(address, family)) return true;
    const ipv4 = family === "ipv6" ? embeddedIpv4(address) : undefined;
    return ipv4 !== undefined && networks.check(ipv4, "ipv4");
  };
  const judge = (address: string, family: IpFamily): AddressVerdict => {
    if (allowedNetwork(address, family)) return { allowed: true };
    const what = refusedReason(address, family);
    return what === undefined
      ? { allowed: true }
      : { allowed: false, reason: `${address} is ${what}, which webhooks may not reach` };
  };
  const nameOf = (hostname: string | undefined) => {
    if (hostname === undefined) return undefined;
    const parsed = parseHost(hostname);
    return parsed.kind === "name" ? parsed.name : undefined;
  };

  return {
    host(hostname) {
      const parsed = parseHost(hostname);
      if (parsed.kind === "invalid") return { kind: "refused", reason: parsed.reason };
      if (parsed.kind === "ip") {
        const verdict = judge(parsed.address, parsed.family);
        return verdict.allowed
          ? { kind: "allowed", address: parsed.address }
          : { kind: "refused", reason: verdict.reason };
      }
      if (isLocalhostName(parsed.name) && !names.has(parsed.name)) {
        return { kind: "refused", reason: `${parsed.name} is a loopback name, which webhooks may not reach` };
      }
      return { kind: "resolve", name: parsed.name };
    },

    address(address, hostname) {
      const name = nameOf(hostname);
      if (name !== undefined && names.has(name)) return { allowed: true };
      const parsed = parseHost(address);
      if (parsed.kind !== "ip") return { allowed: false, reason: `${address} is not an IP address` };
      return judge(parsed.address, parsed.family);
    },
  };
}
