export { type ComputeHeStatisticsParameters, computeHeStatistics, type HeStatistics } from './computeHeStatistics.ts'
export { HeWorkerError, type HeWorkerPool, type HeWorkerPoolInit, heWorkerPool } from './heWorkerPool.ts'
export { gramMatrix, type HeAggregates, heRidgeFrom, heStatisticsFrom, solveSymmetric } from './solve.ts'
