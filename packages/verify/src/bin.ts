#!/usr/bin/env node
// cairn-verify: verifies a Cairn compliance package offline. See cli.ts and README.md.
import { runCli } from './cli.js';

process.exitCode = runCli(process.argv.slice(2));
