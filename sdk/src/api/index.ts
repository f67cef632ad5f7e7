export * from './auth.ts'
export * from './receipt.ts'
export * from './schemas.ts'
