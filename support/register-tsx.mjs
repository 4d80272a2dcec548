// Loaded first by cucumber: lets it import the TypeScript step definitions and support code.
import { register } from 'tsx/esm/api';

register();
