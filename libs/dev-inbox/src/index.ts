export { startDevInbox } from './dev-inbox';
export type { DevInbox, DevInboxOptions, EmailItem, HttpItem, InboxItem } from './dev-inbox';
export { escapeHtml } from './inbox-html';
export { devInboxSettings } from './dev-inbox-settings';
