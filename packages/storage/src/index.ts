// @siemlite/storage: the DuckDB back end. Imports only @siemlite/core.
export { compileBatchQuery, compileCondition, compileHuntQuery, fieldPaths, HUNT_VARIABLES, SQL_MACROS } from './sql/compile-sql.js';
export type { EventShape, HuntQuery, ShapeColumnType, SqlFragment } from './sql/compile-sql.js';
export { extractPrefilter, groupByPrefilter, prefilterNode, PREFILTER_FIELDS } from './sql/prefilter.js';
export type { Prefilter, PrefilterGroup } from './sql/prefilter.js';
export { DEFAULT_RULES_PER_QUERY, SqlHunter } from './sql/sql-hunter.js';
export type { SqlMatch } from './sql/sql-hunter.js';
export { DEFAULT_BATCH_EVENTS, EventStore, RESERVED_COLUMNS } from './store/event-store.js';
export type { EventStoreOptions, IngestCounts, StoredField } from './store/event-store.js';
export { typeOfValue, widen } from './store/column-type.js';
export type { ColumnType } from './store/column-type.js';
export { describeDuckDbError, runSql, StoreError } from './store/open-duckdb.js';
export type { SqlResult } from './store/open-duckdb.js';
export { AlertStore } from './store/alert-store.js';
export type { AlertQuery } from './store/alert-store.js';
export { huntStore, storedEvents } from './store/store-hunt.js';
export type { StoreMatch, StoreRuleSet, StoredEvent } from './store/store-hunt.js';
