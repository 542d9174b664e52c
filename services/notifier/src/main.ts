import { runService } from '@orderflow/runtime';
import { notifierService } from './app';
import { loadNotifierConfig } from './config';

runService(notifierService, loadNotifierConfig);
