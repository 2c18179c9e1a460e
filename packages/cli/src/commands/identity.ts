import fs from 'node:fs';
import type { Command } from 'commander';
import { DEFAULTS } from '@cairn/server/defaults';
import type { Role } from '@cairn/sdk';
import { run } from '../action.js';
import { CliError, EXIT } from '../exit-codes.js';
import { connect } from '../connection.js';
import { emit } from '../output.js';
import { parseDuration, parseList, parseTtl } from '../parse.js';

export function identityCommands(program: Command): void {
  program
    .command('whoami')
    .description('who the server says you are: principal, how you authenticated, roles in force, elevation')
    .action(
      run(program, async (g) => {
        const me = await connect(g).identity.whoami();
        emit(g, me, () =>
          [
            `${me.id} (${me.type}${me.person !== me.id ? ` acting for ${me.person}` : ''}, via ${me.auth}${me.tokenId ? ` ${me.tokenId}` : ''})`,
            `  roles: ${me.roles.join(', ') || '(none)'}`,
            ...(me.scopes ? [`  scopes: ${me.scopes.join(', ')}`] : []),
            ...(me.elevation ? [`  break-glass: ${me.elevation.roles.join(', ')} until ${me.elevation.expiresAt} (${me.elevation.id})`] : []),
          ].join('\n'),
        );
      }),
    );

  const token = program.command('token').description('API tokens: make your own, issue, list, revoke; the ceremony token on the server machine');
  token
    .command('create')
    .description('issue a token for yourself (or a service account you own), within your own permissions; its secret is printed once and stored only as a hash')
    .option('--principal <name>', 'a service account you own (default: yourself)')
    .requiredOption('--roles <roles>', 'comma-separated roles the principal holds, e.g. service or engineer,steward', parseList)
    .option('--ttl <duration>', "lifetime, e.g. 90m, 24h, 30d (default: the policy's default; never more than its maximum)", parseTtl)
    .option('--no-expiry <reason>', 'a token that never expires (service accounts only), with the reason it must not')
    .option('--scopes <permissions>', 'limit the token to these permissions, comma-separated', parseList)
    .action(
      run(program, async (g, o: { principal?: string; roles: string[]; ttl?: number; expiry?: string | boolean; scopes?: string[] }) => {
        const noExpiry = typeof o.expiry === 'string' ? { reason: o.expiry } : undefined;
        const issued = await connect(g).identity.issueToken({ principal: o.principal, roles: o.roles as Role[], ttl: o.ttl, noExpiry, scopes: o.scopes });
        emit(g, issued, () => `${issued.token}\n\n(token ${issued.id}${o.principal ? ` for ${o.principal}` : ''}; ${issued.expiresAt ? `expires ${issued.expiresAt}` : 'NEVER EXPIRES'}. It is shown only now: store it in a secret manager.)`);
      }),
    );
  token
    .command('new')
    .description('make a credential for yourself, locally (no server): the secret goes to a 0600 file, and its SHA-256 — all an administrator ever sees — is printed for the proposal')
    .requiredOption('-o, --output <file>', 'where to write the secret (created, mode 0600; refused if it exists)')
    .addHelpText('after', '\nExample:\n  cairn token new -o bea.token     # prints the SHA-256 to hand to the administrator who proposes you\n  cairn principal propose bea --type user --roles reviewer:business --credential-sha256 <that> --reason "joins model risk"')
    .action(
      run(program, async (g, o: { output: string }) => {
        const { hashToken, newTokenSecret } = await import('@cairn/server');
        if (fs.existsSync(o.output)) throw new CliError(EXIT.usage, `${o.output} exists: a credential is never overwritten (remove it first if it is unused)`, 'file_exists');
        const secret = newTokenSecret();
        fs.writeFileSync(o.output, `${secret}\n`, { mode: 0o600, flag: 'wx' });
        const sha256 = Buffer.from(hashToken(secret)).toString('hex');
        emit(g, { file: o.output, sha256 }, () => sha256);
      }),
    );
  token
    .command('bootstrap')
    .description("the installation ceremony, on the server's machine: a token for a founder (the first start founds `admin`; a second founder may be added once), recorded in the ledger by the system")
    .option('--data <dir>', 'data directory of the server (embedded store and signing key)', process.env['CAIRN_DATA'] ?? DEFAULTS.dataDir)
    .option('--database-url <url>', 'PostgreSQL URL of the server store', process.env['CAIRN_DATABASE_URL'])
    .option('--database-schema <name>', 'PostgreSQL schema', process.env['CAIRN_DATABASE_SCHEMA'])
    .option('--key-file <file>', "the server's signing key, if not under --data", process.env['CAIRN_KEY_FILE'])
    .option('--principal <name>', 'the founder', 'admin')
    .option('--roles <roles>', "a new founder's roles", parseList, ['admin'])
    .option('--ttl <duration>', "lifetime (default: the policy's default)", parseTtl)
    .requiredOption('--reason <text>', 'why (lost token, second founder for the two-person rule…)')
    .addHelpText(
      'after',
      `
Founders are the only persons Cairn takes on the installer's word; at most two exist. Every other
person is proposed by one and approved by another (cairn principal), or comes from the identity
provider. Run it on the server's machine: it needs the data directory (or database) and key.

Examples:
  cairn token bootstrap --data .cairn --reason "admin token expired" --field token > admin.token
  cairn token bootstrap --data .cairn --principal ops --reason "second founder" --field token > ops.token`,
    )
    .action(
      run(program, async (g, o: { data: string; databaseUrl?: string; databaseSchema?: string; keyFile?: string; principal: string; roles: string[]; ttl?: number; reason: string }) => {
        const { openCairn, issueBootstrapToken } = await import('@cairn/server');
        const cairn = await openCairn({ dataDir: o.data, databaseUrl: o.databaseUrl, databaseSchema: o.databaseSchema, keyFile: o.keyFile, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: DEFAULTS.bodyLimit, logLevel: 'silent' });
        try {
          const issued = await issueBootstrapToken(cairn.tokens, cairn.principals, { principal: o.principal, roles: o.roles as Role[], reason: o.reason, ttlSeconds: o.ttl });
          emit(g, { token: issued.token, id: issued.id, expiresAt: issued.expiresAt, ledgerIndex: issued.ledgerIndex }, () => `${issued.token}\n\n(founder ${o.principal}: token ${issued.id}, expires ${issued.expiresAt ?? 'never'}; ledger entry ${issued.ledgerIndex}. Shown only now.)`);
        } finally {
          await cairn.close();
        }
      }),
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--principal <name>', 'only this principal')
    .option('--all', 'include revoked tokens')
    .action(
      run(program, async (g, o: { principal?: string; all?: boolean }) => {
        const tokens = await connect(g).identity.listTokens({ principal: o.principal, includeRevoked: o.all ?? false });
        emit(g, { tokens }, () =>
          tokens.length === 0
            ? '(no tokens)'
            : tokens.map((t) => `${t.id}  ${t.principal} (${t.type})  roles=${t.roles.join(',')}${t.scopes ? ` scopes=${t.scopes.join(',')}` : ''}  expires=${t.expiresAt ?? `NEVER (${t.noExpiryReason ?? 'no reason recorded'})`}${t.revokedAt ? `  REVOKED ${t.revokedAt}` : ''}  last-used=${t.lastUsedAt ?? 'never'}`).join('\n'),
        );
      }),
    );
  token
    .command('revoke')
    .description('revoke a token at once (recorded in the ledger)')
    .argument('<id>', 'token id (tok_…)')
    .option('--reason <text>', 'why')
    .action(
      run(program, async (g, id: string, o: { reason?: string }) => {
        const t = await connect(g).identity.revokeToken(id, o.reason);
        emit(g, t, () => `revoked ${t.id} (${t.principal}) at ${t.revokedAt}`);
      }),
    );

  const principal = program.command('principal').description('identity custody: one person proposes a principal, another approves it (admin)');
  principal
    .command('propose')
    .description('propose a person or a service account; it is active once another person approves it')
    .argument('<id>', 'the principal id (compared case-folded)')
    .requiredOption('--type <type>', 'user (a person) or service (acts for its owner)')
    .requiredOption('--roles <roles>', 'comma-separated roles', parseList)
    .option('--owner <person>', 'service accounts: the person they act for (default: you)')
    .option('--name <text>', 'display name')
    .option('--credential-sha256 <hex>', 'SHA-256 of the token the person made for themselves (cairn token new)')
    .requiredOption('--reason <text>', 'why (HR ticket, team)')
    .action(
      run(program, async (g, id: string, o: { type: 'user' | 'service'; roles: string[]; owner?: string; name?: string; credentialSha256?: string; reason: string }) => {
        const p = await connect(g).identity.proposePrincipal({ id, type: o.type, roles: o.roles as Role[], owner: o.owner, displayName: o.name, credentialSha256: o.credentialSha256, reason: o.reason });
        emit(g, p, () => `proposed ${p.id} (${p.type}${p.owner ? ` for ${p.owner}` : ''}) with ${p.roles.join(', ')}; another person with principals:manage must approve it (cairn principal approve ${p.id})`);
      }),
    );
  for (const action of ['approve', 'reject'] as const) {
    principal
      .command(action)
      .description(action === 'approve' ? "approve another person's proposal: the principal becomes active (refused for your own proposal, recorded)" : 'reject a proposal')
      .argument('<id>', 'the principal id')
      .requiredOption('--reason <text>', 'why (e.g. the HR record checked)')
      .action(
        run(program, async (g, id: string, o: { reason: string }) => {
          const api = connect(g).identity;
          const r = action === 'approve' ? await api.approvePrincipal(id, o.reason) : { principal: await api.rejectPrincipal(id, o.reason) };
          emit(g, r, () => `${r.principal.id} is ${r.principal.state}${'credential' in r && r.credential ? `; its own credential is token ${r.credential.id}, expiring ${r.credential.expiresAt ?? 'never'}` : ''}`);
        }),
      );
  }
  principal
    .command('list')
    .description('principals, with who proposed and who vouched for each')
    .option('--state <state>', 'proposed, active or rejected')
    .action(
      run(program, async (g, o: { state?: 'proposed' | 'active' | 'rejected' }) => {
        const principals = await connect(g).identity.principals({ state: o.state });
        emit(g, { principals }, () =>
          principals.length === 0
            ? '(no principals)'
            : principals.map((p) => `${p.id}  ${p.type}${p.owner ? ` for ${p.owner}` : ''}  ${p.state}  roles=${p.roles.join(',')}  ${p.vouchedBy === 'founder' ? 'founder' : `proposed by ${p.proposedBy}, approved by ${p.approvedBy ?? '-'}`}`).join('\n'),
        );
      }),
    );

  const bg = program.command('break-glass').description('time-boxed emergency elevation, granted only if policy allows; ledgered and alerted');
  bg
    .command('request')
    .description('request elevation to the given roles for at most 60 minutes')
    .requiredOption('--assume <roles>', 'comma-separated roles to assume', parseList)
    .requiredOption('--for <duration>', 'how long, e.g. 30m (at most 60m)', (v) => Math.ceil(parseDuration(v) / 60_000))
    .requiredOption('--reason <text>', 'why, in words a reviewer will read (at least 10 characters)')
    .action(
      run(program, async (g, o: { assume: string[]; for: number; reason: string }) => {
        const r = await connect(g).identity.breakGlass({ assume: o.assume as Role[], minutes: o.for, reason: o.reason });
        emit(g, r, () => `elevation ${r.elevation.id}: ${r.elevation.roles.join(', ')} until ${r.elevation.expiresAt}\n  ${r.decision.reasons.join('\n  ')}\n  (an alert was raised; ledger entry ${r.elevation.ledgerIndex})`);
      }),
    );
  bg.command('status')
    .description('your elevation in force, if any')
    .action(
      run(program, async (g) => {
        const { elevation } = await connect(g).identity.elevation();
        emit(g, { elevation }, () => (elevation ? `${elevation.roles.join(', ')} until ${elevation.expiresAt} (${elevation.id}): ${elevation.reason}` : 'no elevation in force'));
      }),
    );

  program
    .command('alerts')
    .description('security alerts, newest first')
    .option('--active', 'only alerts whose condition still lasts')
    .action(
      run(program, async (g, o: { active?: boolean }) => {
        const alerts = await connect(g).identity.alerts({ active: o.active ?? false });
        emit(g, { alerts }, () => (alerts.length === 0 ? '(no alerts)' : alerts.map((a) => `${a.createdAt}  ${a.severity.toUpperCase()}  ${a.kind}${a.active ? ' (active)' : ''}  ${a.message}`).join('\n')));
      }),
    );
}
