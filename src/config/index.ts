export { ConfigurationValidator } from './ConfigurationValidator';
export type { ConfigurationChecks } from './ConfigurationValidator';
export { IsObjectOfObjects, TaskConfigDto } from './TaskConfigDto';
