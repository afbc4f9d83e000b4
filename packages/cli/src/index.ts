// @siemlite/cli is an application; this export exists for end-to-end tests.
export { runCli, USAGE } from './cli.js';
