import { runService } from '@orderflow/runtime';
import { inventoryService } from './app';
import { loadInventoryConfig } from './config';

runService(inventoryService, loadInventoryConfig);
