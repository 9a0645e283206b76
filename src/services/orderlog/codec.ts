/** The ordered log's byte layouts live in src/protocol/orderlog.ts, shared with its clients. */
export * from '../../protocol/orderlog.js';
