import { runService } from '@orderflow/runtime';
import { ordersService } from './app';
import { loadOrdersConfig } from './config';

runService(ordersService, loadOrdersConfig);
