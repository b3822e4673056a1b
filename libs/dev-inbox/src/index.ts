export { startDevInbox } from './dev-inbox';
export type { DevInbox, DevInboxOptions } from './dev-inbox';
export type { EmailItem, HttpItem, InboxItem } from './inbox-item';
export { escapeHtml } from './inbox-html';
export { devInboxSettings } from './dev-inbox-settings';
