#!/usr/bin/env node
// npm run topics -- ...: the same as orderflow-ops topics ... (see tools/ops/README.md).
import { main } from './cli/entry';

main(['topics']);
