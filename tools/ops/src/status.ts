#!/usr/bin/env node
// npm run status -- ...: the same as orderflow-ops status ... (see tools/ops/README.md).
import { main } from './cli/entry';

main(['status']);
