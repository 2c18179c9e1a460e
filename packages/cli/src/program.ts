import { Command, Option } from 'commander';
import { identityCommands } from './commands/identity.js';
import { lineageCommands } from './commands/lineage.js';
import { logCommand } from './commands/log.js';
import { policyCommands } from './commands/policy.js';
import { registryCommands } from './commands/registry.js';
import { exportCommands } from './commands/exports.js';
import { serveCommand } from './commands/serve.js';
import { backupCommands } from './commands/backup.js';
import { trustCommands } from './commands/trust.js';
import { DEFAULT_URL } from './connection.js';

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Cairn: the evidence plane of an AI factory — a verifiable ledger of who did what, with proofs')
    .version('0.1.0')
    .addOption(new Option('--url <url>', `server URL (default: $CAIRN_URL or ${DEFAULT_URL})`))
    .addOption(new Option('--token <token>', 'bearer token (prefer $CAIRN_TOKEN or --token-file: arguments show in ps)'))
    .addOption(new Option('--token-file <file>', 'read the bearer token from a file (or $CAIRN_TOKEN_FILE)'))
    .addOption(new Option('--key <verifierKey>', "the log's verifier key, if known out of band (else trusted on first use)"))
    .addOption(new Option('--ca-file <file>', 'trust this CA (PEM) for an https URL, e.g. a private CA (or $CAIRN_CA_FILE)'))
    .addOption(new Option('--client-cert <file>', 'client certificate (PEM) for a server that authenticates by certificate (or $CAIRN_CLIENT_CERT)'))
    .addOption(new Option('--client-key <file>', 'its private key (PEM) (or $CAIRN_CLIENT_KEY)'))
    .option('--json', 'machine-readable output on stdout')
    .option('--field <path>', 'print only this field of the result, e.g. --field digest or --field run.id (for scripts)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 verification failed (or a policy check denied), 2 usage, 3 unreachable,
4 refused by the server.

Examples:
  $ cairn serve
  $ export CAIRN_TOKEN_FILE=.cairn/admin-token
  $ cairn log checkpoint
  $ cairn log prove 0
  $ cairn log verify --data .cairn`,
    );
  program.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
  serveCommand(program);
  logCommand(program);
  identityCommands(program);
  policyCommands(program);
  lineageCommands(program);
  registryCommands(program);
  exportCommands(program);
  backupCommands(program);
  trustCommands(program);
  return program;
}
