/**
 * The web dashboard (docs/dashboard.md): `createDashboard(container, options)`
 * gives a fetch handler and a Node request listener to serve or mount.
 */
export { createDashboard } from './createDashboard';
export type { Dashboard, DashboardOptions } from './createDashboard';
export type { FailureView, InstanceView, SessionView, TaskView, TimelineStep } from './SessionView';
