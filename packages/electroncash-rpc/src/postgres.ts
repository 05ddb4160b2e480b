/**
 * `@tradekit/electroncash-rpc/postgres`: the invoice store on PostgreSQL, for a payment service run as several
 * replicas. A separate entry point, so services that keep the JSON Lines store never load `pg`.
 */

export { createPostgresInvoiceStore, type PostgresInvoiceStoreOptions } from './postgres/invoice-store.js'
export { PAYMENTS_SCHEMA_VERSION } from './postgres/migrations.js'
