import { sqliteBackend } from './backends.js';
import { describeCommands } from './cli-suite.js';

describeCommands(sqliteBackend());
