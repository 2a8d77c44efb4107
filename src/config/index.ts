export { ConfigurationValidator } from './ConfigurationValidator';
export type { ConfigurationChecks } from './ConfigurationValidator';
export { IsObjectOfObjects } from './IsObjectOfObjects';
export { TaskConfigDto } from './TaskConfigDto';
