import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { type AddressPolicy, type AllowedTarget, createAddressPolicy } from "./outbound-policy.js";

/**
 * Requests to URLs an admin typed in (webhooks), held to the address policy (outbound-policy.ts)
 * at the moment of connecting: the host is looked up once, every address it resolves to is
 * judged, and the connection goes to exactly those addresses (a `lookup` handed to the socket), so
 * a name that resolves to something else a second later (DNS rebinding) cannot slip through
 * between a check and the connection. Redirects are never followed.
 */

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a name resolves to (the system resolver by default; tests inject their own). */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The target is not one the policy lets requests reach; `message` says which address and why. */
export class TargetRefusedError extends Error {
  readonly code = "ETARGETREFUSED";
  constructor(message: string) {
    super(message);
    this.name = "TargetRefusedError";
  }
}

export type UrlCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface OutboundRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal?: AbortSignal;
  /** Bytes of the answer's body kept (the rest is not read; default 1024). */
  readonly maxBodyBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `maxBodyBytes` of the body, decoded as UTF-8, as the receiver sent them: not sanitised. */
  readonly bodyStart: string;
}

export interface OutboundGuard {
  /**
   * Whether requests to `url` may be made now (when a webhook is registered): an http(s) URL whose
   * host is an allowed address or resolves only to allowed addresses.
   */
  checkUrl(url: string): Promise<UrlCheck>;
  /**
   * One request, not following redirects. Rejects with TargetRefusedError when the target is not
   * allowed at this moment, or with the network's error (`code` ECONNREFUSED…).
   */
  request(url: string, request: OutboundRequest): Promise<OutboundResponse>;
}

export interface OutboundGuardOptions {
  /** WEBHOOK_ALLOWED_HOSTS: names and networks reachable although internal (default none). */
  readonly allowed?: readonly AllowedTarget[];
}

export interface OutboundGuardDeps {
  readonly resolve?: ResolveHost;
}

const DEFAULT_MAX_BODY_BYTES = 1024;

const dnsError = (hostname: string, code: string) =>
  Object.assign(new Error(`${hostname} does not resolve (${code})`), { code, hostname });

export function createOutboundGuard(
  options: OutboundGuardOptions = {},
  deps: OutboundGuardDeps = {},
): OutboundGuard {
  const policy: AddressPolicy = createAddressPolicy(options.allowed);
  const resolve = deps.resolve ?? systemResolver;

  /** The addresses a request for `hostname` may connect to: all it resolves to, each judged. */
  async function allowedAddresses(hostname: string): Promise<readonly ResolvedAddress[]> {
    const decision = policy.host(hostname);
    if (decision.kind === "refused") throw new TargetRefusedError(decision.reason);
    if (decision.kind === "allowed") {
      return [{ address: decision.address, family: decision.address.includes(":") ? 6 : 4 }];
    }
    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await resolve(decision.name);
    } catch (err) {
      throw dnsError(decision.name, (err as { code?: string }).code ?? "ENOTFOUND");
    }
    if (addresses.length === 0) throw dnsError(decision.name, "ENOTFOUND");
    for (const { address } of addresses) {
      const verdict = policy.address(address, decision.name);
      if (!verdict.allowed)
        throw new TargetRefusedError(`${verdict.reason} (${decision.name} resolves to it)`);
    }
    return addresses;
  }

  /** Given to the socket instead of dns.lookup: it connects only to addresses judged here. */
  const lookup = ((hostname, lookupOptions, callback) => {
    allowedAddresses(hostname).then(
      (addresses) => {
        const family = lookupOptions.family;
        const wanted =
          family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : [...addresses];
        const [first] = wanted;
        if (!first) {
          callback(dnsError(hostname, "ENOTFOUND"), "", 0);
        } else if (lookupOptions.all) {
          callback(null, wanted);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, "", 0),
    );
  }) satisfies LookupFunction;

  const parseHttpUrl = (url: string): URL => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TargetRefusedError(`${url} is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TargetRefusedError(`${parsed.protocol} is not http: or https:`);
    }
    return parsed;
  };

  return {
    async checkUrl(url) {
      try {
        await allowedAddresses(parseHttpUrl(url).hostname);
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
    },

    request(url, init) {
      return new Promise<OutboundResponse>((resolveResponse, reject) => {
        const target = parseHttpUrl(url);
        // An address in the URL itself reaches the socket without a lookup: judged here.
        const decision = policy.host(target.hostname);
        if (decision.kind === "refused") throw new TargetRefusedError(decision.reason);
        const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
        const send = target.protocol === "https:" ? httpsRequest : httpRequest;
        const outgoing = send(
          target,
          {
            method: init.method,
            headers: init.headers,
            lookup,
            // A connection of its own: never one a pool opened to another address or without the check.
            agent: false,
            ...(init.signal ? { signal: init.signal } : {}),
          },
          (response) => {
            const chunks: Buffer[] = [];
            let kept = 0;
            let done = false;
            const finish = () => {
              if (done) return;
              done = true;
              resolveResponse({
                status: response.statusCode ?? 0,
                headers: response.headers,
                bodyStart: Buffer.concat(chunks).subarray(0, maxBodyBytes).toString("utf8"),
              });
              response.destroy();
            };
            response.on("data", (chunk: Buffer) => {
              chunks.push(chunk);
              kept += chunk.length;
              if (kept >= maxBodyBytes) finish();
            });
            response.on("end", finish);
            response.on("close", finish);
            response.on("error", finish);
            if (maxBodyBytes === 0) finish();
          },
        );
        outgoing.on("error", reject);
        outgoing.end(init.body);
      });
    },
  };
}
