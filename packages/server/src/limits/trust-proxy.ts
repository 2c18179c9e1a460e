import net from 'node:net';

/**
 * Parses `--trust-proxy`: a comma-separated list of addresses or CIDR blocks (`10.0.0.5`,
 * `10.0.0.0/24`, `::1`, `fd00::/8`) of reverse proxies whose `X-Forwarded-For` is believed.
 * Fastify (proxy-addr) then takes the client address as the first hop from the right that is not
 * a trusted proxy. Throws an Error naming the entry that is neither.
 */
export function parseTrustProxy(list: string): string[] {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error('expected a comma-separated list of addresses or CIDR blocks, e.g. 10.0.0.5,10.1.0.0/16');
  for (const item of items) {
    const [address, prefix, extra] = item.split('/');
    const family = net.isIP(address!);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) throw new Error(`"${item}" is neither an IP address nor a CIDR block (e.g. 10.0.0.5 or 10.1.0.0/16)`);
  }
  return items;
}
