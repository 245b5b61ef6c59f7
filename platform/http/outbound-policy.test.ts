import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AllowedTarget,
  createAddressPolicy,
  embeddedIpv4,
  parseAllowedTargets,
  parseIpv4,
  refusedReason,
} from "./outbound-policy.js";

const strict = createAddressPolicy();

/** The reason `host` is refused before DNS, or "allowed" / "resolve <name>". */
function decide(policy: ReturnType<typeof createAddressPolicy>, host: string): string {
  const decision = policy.host(host);
  if (decision.kind === "refused") return decision.reason;
  return decision.kind === "allowed" ? `allowed ${decision.address}` : `resolve ${decision.name}`;
}

describe("address policy: literal hosts before DNS", () => {
  it.each([
    // Loopback, however the address is spelt.
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["127.255.255.254", "127.255.255.254 is a loopback address"],
    ["0x7f000001", "127.0.0.1 is a loopback address"],
    ["0X7F000001", "127.0.0.1 is a loopback address"],
    ["2130706433", "127.0.0.1 is a loopback address"],
    ["017700000001", "127.0.0.1 is a loopback address"],
    ["127.1", "127.0.0.1 is a loopback address"],
    ["127.0.1", "127.0.0.1 is a loopback address"],
    ["0177.0.0.1", "127.0.0.1 is a loopback address"],
    ["0x7f.0.0.1", "127.0.0.1 is a loopback address"],
    ["127.0.0.1.", "127.0.0.1 is a loopback address"],
    ["①②⑦.0.0.1", "127.0.0.1 is a loopback address"],
    ["::1", "::1 is a loopback address"],
    ["[::1]", "::1 is a loopback address"],
    ["0:0:0:0:0:0:0:1", "::1 is a loopback address"],
    // IPv4 inside IPv6.
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1 is a loopback address (IPv4 127.0.0.1 inside IPv6)"],
    ["::ffff:7f00:1", "::ffff:7f00:1 is a loopback address (IPv4 127.0.0.1 inside IPv6)"],
    ["::ffff:10.1.2.3", "::ffff:a01:203 is a private address (IPv4 10.1.2.3 inside IPv6)"],
    ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe is a link-local address (IPv4 169.254.169.254 inside IPv6)"],
    ["64:ff9b::7f00:1", "64:ff9b::7f00:1 is a loopback address (IPv4 127.0.0.1 inside IPv6)"],
    ["::127.0.0.1", "::7f00:1 is a reserved address"],
    ["::ffff:0:7f00:1", "::ffff:0:7f00:1 is a reserved address"],
    // Unspecified.
    ["0.0.0.0", "0.0.0.0 is an unspecified (this-network) address"],
    ["0", "0.0.0.0 is an unspecified (this-network) address"],
    ["0.1.2.3", "0.1.2.3 is an unspecified (this-network) address"],
    ["::", ":: is the unspecified address"],
    // Private, shared, link-local.
    ["10.0.0.5", "10.0.0.5 is a private address"],
    ["012.0.0.5", "10.0.0.5 is a private address"],
    ["172.16.0.1", "172.16.0.1 is a private address"],
    ["172.31.255.255", "172.31.255.255 is a private address"],
    ["192.168.1.1", "192.168.1.1 is a private address"],
    ["3232235777", "192.168.1.1 is a private address"],
    ["100.64.0.1", "100.64.0.1 is a shared (CGNAT) address"],
    ["100.127.255.255", "100.127.255.255 is a shared (CGNAT) address"],
    ["169.254.169.254", "169.254.169.254 is a link-local address"],
    ["fc00::1", "fc00::1 is a private (unique local) address"],
    ["fd12:3456:789a::1", "fd12:3456:789a::1 is a private (unique local) address"],
    ["fe80::1", "fe80::1 is a link-local address"],
    ["febf::1", "febf::1 is a link-local address"],
    ["fec0::1", "fec0::1 is a private (site-local) address"],
    ["64:ff9b:1::a00:1", "64:ff9b:1::a00:1 is a private address"],
    // Multicast, broadcast, reserved, documentation, benchmarking.
    ["224.0.0.1", "224.0.0.1 is a multicast address"],
    ["239.255.255.250", "239.255.255.250 is a multicast address"],
    ["ff02::1", "ff02::1 is a multicast address"],
    ["255.255.255.255", "255.255.255.255 is the broadcast address"],
    ["4294967295", "255.255.255.255 is the broadcast address"],
    ["240.0.0.1", "240.0.0.1 is a reserved address"],
    ["192.0.0.8", "192.0.0.8 is a reserved address"],
    ["192.88.99.1", "192.88.99.1 is a reserved address"],
    ["192.0.2.10", "192.0.2.10 is a documentation address"],
    ["198.51.100.7", "198.51.100.7 is a documentation address"],
    ["203.0.113.9", "203.0.113.9 is a documentation address"],
    ["198.18.0.1", "198.18.0.1 is a benchmarking address"],
    ["198.19.255.255", "198.19.255.255 is a benchmarking address"],
    ["2001:db8::1", "2001:db8::1 is a documentation address"],
    ["3fff::1", "3fff::1 is a documentation address"],
    ["2001:0:4136:e378::1", "2001:0:4136:e378::1 is a reserved address"], // Teredo
    ["2002:7f00:1::1", "2002:7f00:1::1 is a reserved (6to4) address"],
    ["100::1", "100::1 is a reserved address"], // discard-only
    ["4000::1", "4000::1 is a reserved address"], // outside 2000::/3
  ])("refuses %s", (host, reason) => {
    expect(decide(strict, host)).toBe(`${reason}, which webhooks may not reach`);
  });

  it.each([
    ["93.184.215.14", "93.184.215.14"],
    ["1.1.1.1", "1.1.1.1"],
    ["8.8.8.8", "8.8.8.8"],
    ["100.63.255.255", "100.63.255.255"], // just below CGNAT
    ["100.128.0.0", "100.128.0.0"], // just above
    ["172.15.255.255", "172.15.255.255"],
    ["172.32.0.0", "172.32.0.0"],
    ["198.17.255.255", "198.17.255.255"],
    ["223.255.255.255", "223.255.255.255"],
    ["0x5db8d70e", "93.184.215.14"], // an odd spelling of a public address is still that address
    ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    ["[2001:4860:4860::8888]", "2001:4860:4860::8888"],
    ["2001:4860:4860:0:0:0:0:8888", "2001:4860:4860::8888"],
    ["::ffff:8.8.8.8", "::ffff:808:808"], // IPv4-mapped public
    ["64:ff9b::808:808", "64:ff9b::808:808"], // NAT64 of a public address (DNS64 networks)
  ])("allows the public address %s", (host, canonical) => {
    expect(decide(strict, host)).toBe(`allowed ${canonical}`);
  });

  it.each([
    ["localhost", "localhost is a loopback name"],
    ["LOCALHOST", "localhost is a loopback name"],
    ["localhost.", "localhost is a loopback name"],
    ["api.localhost", "api.localhost is a loopback name"],
  ])("refuses the loopback name %s without asking DNS", (host, reason) => {
    expect(decide(strict, host)).toBe(`${reason}, which webhooks may not reach`);
  });

  it.each([
    ["hooks.example.com", "hooks.example.com"],
    ["Hooks.Example.COM", "hooks.example.com"],
    ["hooks.example.com.", "hooks.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["127.0.0.1.nip.io", "127.0.0.1.nip.io"], // a name: what it resolves to is judged after DNS
    ["sms_gateway.internal", "sms_gateway.internal"],
  ])("sends the name %s to DNS", (host, name) => {
    expect(decide(strict, host)).toBe(`resolve ${name}`);
  });

  it.each([
    "1.2.3.4.5",
    "1.2.3.256",
    "256.0.0.1",
    "08.0.0.1",
    "99999999999",
    "0x1ffffffff",
    "example.123",
    "",
    "-bad.example",
    "a b",
    "fe80::1%eth0",
  ])("refuses %j, which is neither an address nor a host name", (host) => {
    expect(strict.host(host).kind).toBe("refused");
  });
});

describe("address policy: resolved addresses", () => {
  it("judges every address DNS gives, whatever name was asked for", () => {
    expect(strict.address("93.184.215.14", "example.com")).toEqual({ allowed: true });
    expect(strict.address("127.0.0.1", "rebind.example")).toEqual({
      allowed: false,
      reason: "127.0.0.1 is a loopback address, which webhooks may not reach",
    });
    expect(strict.address("::ffff:192.168.0.10", "rebind.example")).toMatchObject({ allowed: false });
    expect(strict.address("not-an-address", "example.com")).toEqual({
      allowed: false,
      reason: "not-an-address is not an IP address",
    });
  });
});

describe("address policy: the allow-list", () => {
  const targets = (raw: string): readonly AllowedTarget[] => {
    const parsed = parseAllowedTargets(raw);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    return parsed.targets;
  };

  it("reads names, addresses and networks, comma- or space-separated", () => {
    expect(targets("sms-gateway.internal, 10.0.0.5 fd00::/8,192.168.10.0/24  ::1 Zalo.Internal.")).toEqual([
      { kind: "name", name: "sms-gateway.internal" },
      { kind: "network", address: "10.0.0.5", prefix: 32, family: "ipv4" },
      { kind: "network", address: "fd00::", prefix: 8, family: "ipv6" },
      { kind: "network", address: "192.168.10.0", prefix: 24, family: "ipv4" },
      { kind: "network", address: "::1", prefix: 128, family: "ipv6" },
      { kind: "name", name: "zalo.internal" },
    ]);
    expect(targets("")).toEqual([]);
    expect(targets(" , ")).toEqual([]);
  });

  it("refuses entries it cannot read, naming each", () => {
    const parsed = parseAllowedTargets("10.0.0.0/33,example.com/24,::1/129,1.2.3.4.5,a/b/c,10.0.0.0/x");
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      "'10.0.0.0/33': the prefix length must be a number from 0 to 32",
      "'example.com/24': a prefix length needs an address, not a name",
      "'::1/129': the prefix length must be a number from 0 to 128",
      "'1.2.3.4.5' is not a host name, an address or a network (address/prefix)",
      "'a/b/c' is not a host name, an address or a network (address/prefix)",
      "'10.0.0.0/x': the prefix length must be a number from 0 to 32",
    ]);
  });

  it("lets an allowed network through, and nothing next to it", () => {
    const policy = createAddressPolicy(targets("127.0.0.1,10.20.0.0/16,fd00:1::/32"));
    expect(decide(policy, "127.0.0.1")).toBe("allowed 127.0.0.1");
    expect(decide(policy, "0x7f000001")).toBe("allowed 127.0.0.1");
    expect(decide(policy, "[::ffff:127.0.0.1]")).toBe("allowed ::ffff:7f00:1");
    expect(decide(policy, "127.0.0.2")).toContain("loopback");
    expect(decide(policy, "::1")).toContain("loopback");
    expect(policy.address("10.20.3.4", "sms.internal")).toEqual({ allowed: true });
    expect(policy.address("10.21.0.1", "sms.internal")).toMatchObject({ allowed: false });
    expect(policy.address("fd00:1::5")).toEqual({ allowed: true });
    expect(policy.address("fd00:2::5")).toMatchObject({ allowed: false });
    // Public addresses stay allowed.
    expect(policy.address("8.8.8.8", "dns.google")).toEqual({ allowed: true });
  });

  it("lets an allowed name reach whatever it resolves to, and only that name", () => {
    const policy = createAddressPolicy(targets("sms-gateway.internal,localhost"));
    expect(decide(policy, "SMS-Gateway.Internal.")).toBe("resolve sms-gateway.internal");
    expect(policy.address("10.0.0.5", "sms-gateway.internal")).toEqual({ allowed: true });
    expect(policy.address("10.0.0.5", "sms-gateway.internal.")).toEqual({ allowed: true });
    expect(policy.address("10.0.0.5", "other.internal")).toMatchObject({ allowed: false });
    expect(policy.address("10.0.0.5")).toMatchObject({ allowed: false });
    // An allowed name does not allow its addresses when written as literals.
    expect(decide(policy, "localhost")).toBe("resolve localhost");
    expect(decide(policy, "api.localhost")).toContain("loopback name");
    expect(decide(policy, "127.0.0.1")).toContain("loopback");
  });
});

describe("address parsing", () => {
  it("reads IPv4 as the URL parser does, in every spelling", () => {
    const spelling = fc.oneof(
      fc.nat({ max: 0xffffffff }).map((n) => [String(n)]),
      fc.nat({ max: 0xffffffff }).map((n) => [`0x${n.toString(16)}`]),
      fc.nat({ max: 0xffffffff }).map((n) => [`0${n.toString(8)}`]),
      fc
        .tuple(fc.nat({ max: 255 }), fc.nat({ max: 0xffffff }))
        .map(([a, rest]) => [`0x${a.toString(16)}`, String(rest)]),
      fc
        .tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 0xffff }))
        .map(([a, b, rest]) => [`0${a.toString(8)}`, String(b), `0x${rest.toString(16)}`]),
      fc.array(fc.nat({ max: 255 }), { minLength: 4, maxLength: 4 }).map((parts) => parts.map(String)),
    );
    fc.assert(
      fc.property(spelling, (parts) => {
        const host = parts.join(".");
        expect(parseIpv4(host)).toBe(new URL(`http://${host}/`).hostname);
      }),
    );
  });

  it("finds the IPv4 address inside IPv4-mapped and NAT64 addresses only", () => {
    expect(embeddedIpv4("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(embeddedIpv4("::ffff:a9fe:a9fe")).toBe("169.254.169.254");
    expect(embeddedIpv4("0:0:0:0:0:ffff:0a00:0001")).toBe("10.0.0.1");
    expect(embeddedIpv4("64:ff9b::c0a8:1")).toBe("192.168.0.1");
    expect(embeddedIpv4("::1")).toBeUndefined();
    expect(embeddedIpv4("::127.0.0.1")).toBeUndefined();
    expect(embeddedIpv4("2001:db8::ffff:7f00:1")).toBeUndefined();
  });

  it("refuses every address of a refused IPv4 range written as IPv4-mapped IPv6", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (n) => {
        const ipv4 = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
        const asIpv4 = refusedReason(ipv4, "ipv4");
        const asMapped = refusedReason(`::ffff:${ipv4}`, "ipv6");
        expect(asMapped === undefined).toBe(asIpv4 === undefined);
      }),
    );
  });
});
