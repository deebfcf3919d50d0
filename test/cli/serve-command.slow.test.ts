/**
 * `memento serve` in-process against SQLite and PostgreSQL. Slow tier: the server reads the
 * inspector page from dist/, which `npm run build` makes.
 */
import { postgresBackend, sqliteBackend } from './backends.js';
import { describeServe } from './cli-suite.js';

describeServe(sqliteBackend());
describeServe(postgresBackend());
