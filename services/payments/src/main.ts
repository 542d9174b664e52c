import { runService } from '@orderflow/runtime';
import { definition } from './app';
import { loadPaymentsConfig } from './config';

runService(definition, loadPaymentsConfig);
