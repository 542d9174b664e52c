#!/usr/bin/env node
// npm run dlq -- ...: the same as orderflow-ops dlq ... (see tools/ops/README.md).
import { main } from './cli/entry';

main(['dlq']);
