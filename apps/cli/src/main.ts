#!/usr/bin/env node
// `glovebox redact` with only the options redact-fast understands starts without the command
// framework (start-up is most of the cost of a small input); everything else runs the full program.
import { redactFast } from './redact-fast.js';

if (!(await redactFast(process.argv.slice(2)))) await import('./run.js');
