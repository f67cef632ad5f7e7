export { type KubernetesRunner, type KubernetesRunnerComponents, type KubernetesRunnerInit, kubernetesRunner } from './kubernetesRunner.ts'
export { type JobManifests, type JobManifestsParameters, jobManifests, jobObjectName, jobPodUid, kubernetesLabels } from './manifests.ts'
export { jobIoProgramPath } from './job-io-path.ts'
