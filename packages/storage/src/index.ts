// @siemlite/storage: the DuckDB back end. Imports only @siemlite/core.
export { compileBatchQuery, compileCondition, fieldPaths, SQL_MACROS } from './sql/compile-sql.js';
export type { SqlFragment } from './sql/compile-sql.js';
export { DEFAULT_RULES_PER_QUERY, SqlHunter } from './sql/sql-hunter.js';
export type { SqlMatch } from './sql/sql-hunter.js';
