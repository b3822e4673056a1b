import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { eventPipeline } from './dashboards/event-pipeline';
import { flight } from './dashboards/flight';
import { fleetOverview } from './dashboards/fleet-overview';
import { nodeRuntime } from './dashboards/node-runtime';
import { redPerService } from './dashboards/red';

export interface DashboardFile {
  /** File name under helm/fraiseql/files/dashboards/. */
  fileName: string;
  dashboard: Dashboard;
}

/** Every dashboard of the fleet, with the file the chart ships it in. */
export function dashboards(): DashboardFile[] {
  return [
    { fileName: 'fleet-overview.json', dashboard: fleetOverview() },
    { fileName: 'red.json', dashboard: redPerService() },
    { fileName: 'event-pipeline.json', dashboard: eventPipeline() },
    { fileName: 'flight.json', dashboard: flight() },
    { fileName: 'node-runtime.json', dashboard: nodeRuntime() },
  ];
}
