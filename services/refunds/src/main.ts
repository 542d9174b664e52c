import { runService } from '@orderflow/runtime';
import { definition } from './app';
import { loadRefundsConfig } from './config';

runService(definition, loadRefundsConfig);
