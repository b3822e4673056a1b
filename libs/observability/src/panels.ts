import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';

/** Every panel reads the Prometheus chosen in the dashboard's `datasource` variable. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** One PromQL query of a panel and the legend of its series. */
export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  /** What the panel shows and what to do when it looks wrong: Grafana shows it on hover. */
  description: string;
  /** A Grafana unit id: s, reqps, percentunit, bytes, Bps, short, ops. */
  unit: string;
  queries: PanelQuery[];
  /** Grid width out of 24 (default 12). */
  width?: number;
}

function targets(queries: PanelQuery[]): Builder<Dataquery>[] {
  return queries.map((query, i) =>
    new DataqueryBuilder()
      .expr(query.expr)
      .legendFormat(query.legend)
      .refId(String.fromCharCode(65 + i))
      .range(),
  );
}

/** A time series panel: one line per series of each query. */
export function timeseries(spec: PanelSpec): Builder<Panel> {
  return new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(8)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .targets(targets(spec.queries));
}

/** A single big number (the last value), for the headline rows. */
export function stat(spec: PanelSpec): Builder<Panel> {
  return new StatPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .span(spec.width ?? 4)
    .height(4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .targets(targets(spec.queries));
}

/** A titled row followed by its panels (rows stay expanded, so their panels are top-level in the JSON). */
export interface RowSpec {
  title: string;
  panels: Builder<Panel>[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  rows: RowSpec[];
  /** Template variables besides `datasource`. */
  variables?: Builder<VariableModel>[];
}

/** Builds a dashboard: the datasource variable, the last hour refreshed every 30 s, and the rows in order. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['fraiseql'])
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
  for (const variable of spec.variables ?? []) builder.withVariable(variable);
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title) as Builder<RowPanel>);
    for (const panel of row.panels) builder.withPanel(panel);
  }
  return builder.build();
}
