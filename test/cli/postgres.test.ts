import { postgresBackend } from './backends.js';
import { describeCommands } from './cli-suite.js';

describeCommands(postgresBackend());
