#!/usr/bin/env node
// orderflow-ops <topics|status|dlq> ...: see tools/ops/README.md.
import { main } from './cli/entry';

main();
