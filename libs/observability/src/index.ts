export { alertRules, type AlertRule, type AlertSeverity } from './alert-rules';
export { dashboards, type DashboardFile } from './dashboards';
export { DASHBOARDS_DIR, generatedFiles, RULES_FILE } from './generated-files';
export { FLEET_JOBS, RUNBOOK_BASE_URL, runbookUrl, SERVICES, type ServiceName } from './fleet';
export { renderRulesFile, RULE_GROUP } from './render-rules-file';
