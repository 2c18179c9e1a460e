import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { readClientPrincipals } from '../auth/client-certificates.js';
import { buildApp, type App, type AppOptions } from '../http/app.js';
import type { ListenerDenials } from '../http/listener-denials.js';
import type { Services } from '../services.js';
import type { ListenerConfig } from './listeners-config.js';
import { httpsOptions, readTlsMaterial } from './tls-settings.js';

/** One listening address: its own app (same services), TLS and scope. */
export interface Listener {
  readonly config: ListenerConfig;
  readonly app: App;
  /** `https://10.20.0.1:8443`, once listening. */
  url: string | undefined;
  listen(): Promise<string>;
  /** Reads the TLS files again and serves them to new connections; on any problem keeps the old ones and throws. */
  reloadTls(): void;
}

/**
 * Builds the app of one listener. Its TLS files and client mapping are read and checked here, so
 * a bad file stops the start before anything listens.
 */
export async function buildListener(config: ListenerConfig, services: Services, denials: ListenerDenials, options: Pick<AppOptions, 'bodyLimit' | 'logger' | 'version' | 'trustProxy' | 'writeRates'>): Promise<Listener> {
  const tls = config.tls;
  const material = tls && readTlsMaterial(tls);
  const clientCertificates = tls?.clientPrincipalsFile === undefined ? undefined : readClientPrincipals(tls.clientPrincipalsFile);
  const scope = { name: config.name, groups: new Set(config.groups), roles: config.roles && new Set(config.roles), clientCertificates };
  const app = await buildApp({ ...options, services, scope, denials, https: tls && material && httpsOptions(tls, material) });
  const listener: Listener = {
    config,
    app,
    url: undefined,
    async listen() {
      await app.fastify.listen({ host: config.host, port: config.port });
      const address = app.fastify.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      listener.url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
      return listener.url;
    },
    reloadTls() {
      if (!tls) return;
      const fresh = readTlsMaterial(tls);
      (app.fastify.server as unknown as TlsServer).setSecureContext({ ...fresh, minVersion: 'TLSv1.2' });
    },
  };
  return listener;
}
