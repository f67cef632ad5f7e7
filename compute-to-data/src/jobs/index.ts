export * from './job.ts'
export * from './job-store.ts'
export * from './migrate.ts'
