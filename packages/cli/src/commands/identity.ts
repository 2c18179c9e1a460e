import type { Command } from 'commander';
import type { Role } from '@cairn/sdk';
import { run } from '../action.js';
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
            `${me.id} (${me.type}, via ${me.auth}${me.tokenId ? ` ${me.tokenId}` : ''})`,
            `  roles: ${me.roles.join(', ') || '(none)'}`,
            ...(me.scopes ? [`  scopes: ${me.scopes.join(', ')}`] : []),
            ...(me.elevation ? [`  break-glass: ${me.elevation.roles.join(', ')} until ${me.elevation.expiresAt} (${me.elevation.id})`] : []),
          ].join('\n'),
        );
      }),
    );

  const token = program.command('token').description('API tokens: issue, list, revoke (admin)');
  token
    .command('create')
    .description('issue a token; its secret is printed once and stored only as a hash')
    .requiredOption('--principal <name>', 'user or service account the token stands for')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. service or engineer,steward', parseList)
    .option('--type <type>', 'user or service', 'service')
    .option('--ttl <duration>', 'lifetime, e.g. 90m, 24h, 30d (default: no expiry)', parseTtl)
    .option('--scopes <permissions>', 'limit the token to these permissions, comma-separated', parseList)
    .action(
      run(program, async (g, o: { principal: string; roles: string[]; type: 'user' | 'service'; ttl?: number; scopes?: string[] }) => {
        const issued = await connect(g).identity.issueToken({ principal: o.principal, roles: o.roles as Role[], type: o.type, ttl: o.ttl, scopes: o.scopes });
        emit(g, issued, () => `${issued.token}\n\n(token ${issued.id} for ${o.principal}; ${issued.expiresAt ? `expires ${issued.expiresAt}` : 'no expiry'}. It is shown only now: store it in a secret manager.)`);
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
            : tokens.map((t) => `${t.id}  ${t.principal} (${t.type})  roles=${t.roles.join(',')}${t.scopes ? ` scopes=${t.scopes.join(',')}` : ''}  expires=${t.expiresAt ?? 'never'}${t.revokedAt ? `  REVOKED ${t.revokedAt}` : ''}  last-used=${t.lastUsedAt ?? 'never'}`).join('\n'),
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
