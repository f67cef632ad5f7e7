export * from './errors.ts'
export * from './chooseEnvironment.ts'
export * from './environment-catalog.ts'
export * from './defaultEnvironments.ts'
