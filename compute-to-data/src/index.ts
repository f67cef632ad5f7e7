export * from './sandbox/index.ts'
export * from './trainers/index.ts'
export * from './egress/index.ts'
export * from './jobs/index.ts'
