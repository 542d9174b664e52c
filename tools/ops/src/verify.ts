#!/usr/bin/env node
// npm run verify -- ...: the same as orderflow-ops verify ... (see tools/ops/README.md).
import { main } from './cli/entry';

main(['verify']);
