/** The Slack adapter (Bolt): ingress over HTTP or Socket Mode, Block Kit rendering, and the delivery sender. */
export { createSlackAdapter, type SlackAdapter, type SlackAdapterDeps } from './adapter.js';
export { SlackSender, createDeliveryClient } from './sender.js';
export { SLACK_EVENTS_PATH } from './receiver.js';
