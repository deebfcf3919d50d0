import { dynamoDbBackend } from './backends.js';
import { describeCommands } from './cli-suite.js';

describeCommands(dynamoDbBackend());
