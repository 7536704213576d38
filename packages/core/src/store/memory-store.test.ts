import { runStoreConformance } from '../testing/store-conformance.js';
import { createMemoryStore } from './memory-store.js';

runStoreConformance({ name: 'memory', createStore: async (options) => createMemoryStore(options) });
