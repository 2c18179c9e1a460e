import type { Command } from 'commander';
import { FileTrustStore } from '@cairn/sdk';
import { run } from '../action.js';
import { CliError, EXIT } from '../exit-codes.js';
import { emit } from '../output.js';

/** `cairn trust list | forget URL`: the keys and checkpoints this user's CLI trusts (~/.config/cairn/trust). */
export function trustCommands(program: Command): void {
  const trust = program
    .command('trust')
    .description("the servers this CLI trusts: each one's log key and the latest checkpoint verified (under ~/.config/cairn/trust)");

  trust
    .command('list')
    .description('list every trusted server: URL, origin, key, checkpoint size')
    .action(
      run(program, async (g) => {
        const store = new FileTrustStore();
        const logs = store.list();
        emit(g, { dir: store.dir, logs }, () =>
          logs.length === 0
            ? `no server trusted yet (${store.dir})`
            : logs.map((l) => `${l.url}\n  origin      ${l.origin}\n  key         ${l.verifierKey}\n  checkpoint  ${l.checkpoint ? `size ${l.checkpoint.size}, root ${l.checkpoint.rootHash}` : '-'}`).join('\n'),
        );
      }),
    );

  trust
    .command('forget')
    .description("forget a server's key and checkpoint, so the next command trusts it anew (after its data directory was recreated on purpose)")
    .argument('<url>', 'the server URL exactly as given to --url (see cairn trust list)')
    .action(
      run(program, async (g, url: string) => {
        const forgotten = new FileTrustStore().forget(url);
        if (!forgotten) throw new CliError(EXIT.usage, `no trusted server has the URL ${url} (see cairn trust list)`, 'not_trusted');
        emit(g, { forgotten }, () => `forgot ${url} (key ${forgotten.verifierKey}${forgotten.checkpoint ? `, checkpoint of size ${forgotten.checkpoint.size}` : ''}); the next command trusts it on first use`);
      }),
    );
}
