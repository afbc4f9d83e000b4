// @siemlite/storage: the DuckDB back end (event and alert store, IR -> SQL). Nothing is exported yet;
// see docs/ARCHITECTURE.md for what lands here.
export {};