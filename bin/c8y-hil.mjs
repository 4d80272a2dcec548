#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx is registered before the CLI is loaded.
import { register } from 'tsx/esm/api';

register();
await import('../support/cli/main.ts');
