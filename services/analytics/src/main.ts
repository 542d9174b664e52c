import { runService } from '@orderflow/runtime';
import { definition } from './app';
import { loadAnalyticsConfig } from './config';

runService(definition, loadAnalyticsConfig);
