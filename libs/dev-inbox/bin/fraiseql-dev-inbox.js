#!/usr/bin/env node
// The dev inbox of `npm start`: FRAISEQL_DEV_INBOX_HTTP_PORT (8025), FRAISEQL_DEV_INBOX_SMTP_PORT (1025), FRAISEQL_DEV_INBOX_HOST (127.0.0.1).
const { startDevInbox, devInboxSettings } = require('../dist');

let settings;
try {
  settings = devInboxSettings(process.env);
} catch (error) {
  console.error(`dev-inbox: ${error.message}`);
  process.exit(2);
}
startDevInbox(settings).then(
  (inbox) => {
    console.log(`dev inbox: ${inbox.httpUrl}/inbox (HTTP catcher on every other path), SMTP on ${settings.host}:${inbox.smtpPort}`);
    const stop = () => inbox.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  },
  (error) => {
    console.error(`dev-inbox failed to start: ${error.message}`);
    process.exit(1);
  },
);
