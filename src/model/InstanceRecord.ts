import type { InstanceMetadata } from './InstanceMetadata';
import type { TriggerKwargs } from './Kwargs';
import type { TaskStatus } from './TaskStatus';

/**
 * The JSON form of a task instance, as storage backends keep it. It names its
 * task rather than embedding the config, so an instance always follows the
 * task's current configuration.
 */
export interface InstanceRecord {
  name: string;
  task: string;
  status: TaskStatus;
  kwargs: TriggerKwargs;
  abandonState: string[];
  metadata: InstanceMetadata;
}
