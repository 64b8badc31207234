import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound HTTP to addresses that users choose (webhook subscriptions) or operators configure (the
 * licensing callback), without server-side request forgery: the target must be a public unicast address
 * unless an administrator allowed its range (WEBHOOK_ALLOW_CIDRS), checked for IP literals in any
 * spelling (`0x7f000001`, `[::ffff:127.0.0.1]`, `017700000001`) and, for host names, on the very address
 * the socket connects to (the check sits in the connection's DNS lookup, so a name that resolves to a
 * public address when registered and to 127.0.0.1 when sent is still refused). Redirects are never
 * followed and the response body is capped.
 */

export type CidrList = [ipaddr.IPv4 | ipaddr.IPv6, number][];

/** Parses `10.0.0.0/8, ::1/128` (comma or space separated); throws on a malformed entry. */
export function parseCidrs(text: string | undefined): CidrList {
  return (text ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const withPrefix = entry.includes('/') ? entry : `${entry}/${ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128}`;
      const [addr, bits] = ipaddr.parseCIDR(withPrefix);
      return [addr, bits] as [ipaddr.IPv4 | ipaddr.IPv6, number];
    });
}

/** Why this IP address may not be a target (Chinese), or null: public unicast, or inside an allowed range. */
export function addressProblem(address: string, allow: CidrList): string | null {
  if (!ipaddr.isValid(address)) return `无效的地址 ${address}`;
  // ::ffff:127.0.0.1 is 127.0.0.1: judge the IPv4 address an IPv4-mapped one stands for
  const addr = ipaddr.process(address);
  if (
    allow.some(
      ([range, bits]) => range.kind() === addr.kind() && (addr as ipaddr.IPv4).match(range as ipaddr.IPv4, bits),
    )
  )
    return null;
  const range = addr.range();
  if (range === 'unicast') return null;
  return `不允许向内部或保留地址发送（${addr.toString()}，${range}）`;
}

/** The host of a URL as the socket would take it (brackets of IPv6 literals removed), or null. */
function urlHost(url: string): { url: URL; host: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return { url: parsed, host: parsed.hostname.replace(/^\[|\]$/g, '') };
}

/**
 * Why a URL may not be registered as a target (Chinese), or null. Judges what can be judged without DNS:
 * the scheme, IP literals in any spelling (the WHATWG parser turns `0x7f000001` into `127.0.0.1`) and
 * names that always mean this machine (`localhost`, `*.localhost`). Names are checked again when sent.
 */
export function literalTargetProblem(url: string, allow: CidrList): string | null {
  const target = urlHost(url);
  if (!target) return '只能是 http(s) 地址';
  if (target.url.username || target.url.password) return '地址中不能包含用户名或密码';
  const { host } = target;
  if (isIP(host)) return addressProblem(host, allow);
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost'))
    return allow.length && !addressProblem('127.0.0.1', allow) ? null : '不允许向本机（localhost）发送';
  return null;
}

/** A DNS lookup that fails the connection when the name resolves to an address that may not be a target. */
export function guardedLookup(allow: CidrList): LookupFunction {
  return ((hostname: string, options: any, callback: any) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      const bad = addresses.map((a) => addressProblem(a.address, allow)).find(Boolean);
      if (bad) return callback(Object.assign(new Error(`${hostname}: ${bad}`), { code: 'EADDRNOTALLOWED' }));
      if (options?.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}

export class OutboundRefused extends Error {}

export interface OutboundResponse {
  status: number;
  text: string;
  /** set when the body was longer than the cap (the rest was not read) */
  truncated: boolean;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** ranges allowed in spite of being private/loopback/link-local */
  allow: CidrList;
  /** most bytes of the answer read (default 64 KiB); the connection is closed after that */
  maxResponseBytes?: number;
}

/**
 * POSTs `body` to `url` under the rules above. Resolves with the status and (capped) body of the answer,
 * whatever the status — a 3xx is an answer, never followed. Rejects with OutboundRefused when the target
 * is not allowed, or with the network error.
 */
export function postGuarded(url: string, opts: PostOptions): Promise<OutboundResponse> {
  const target = urlHost(url);
  if (!target) return Promise.reject(new OutboundRefused('只能是 http(s) 地址'));
  if (isIP(target.host)) {
    const problem = addressProblem(target.host, opts.allow);
    if (problem) return Promise.reject(new OutboundRefused(problem));
  }
  const max = opts.maxResponseBytes ?? 64 * 1024;
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target.url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'Content-Length': String(Buffer.byteLength(opts.body)) },
        lookup: guardedLookup(opts.allow),
        timeout: opts.timeoutMs,
        // no connection reuse: every request goes through the guarded lookup again
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          size += chunk.length;
          if (size > max) {
            truncated = true;
            chunks.push(chunk.subarray(0, chunk.length - (size - max)));
            res.destroy();
            done();
            return;
          }
          chunks.push(chunk);
        });
        const done = () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), truncated });
        res.on('end', done);
        res.on('error', (e) => (truncated ? undefined : reject(e)));
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`超时（timeout ${opts.timeoutMs} ms）`), { name: 'TimeoutError' })),
    );
    req.on('error', (e: Error & { code?: string }) =>
      reject(e.code === 'EADDRNOTALLOWED' ? new OutboundRefused(e.message) : e),
    );
    req.end(opts.body);
  });
}
