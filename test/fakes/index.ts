// Fake external services for tests: Telegram Bot API, Zalo Bot Platform, OpenAI-compatible LLM, KiotViet public API.
export * from "./bot-api-base.ts";
export * from "./telegram-server.ts";
export * from "./zalo-server.ts";
export * from "./openai-server.ts";
export * from "./zns-server.ts";
export * from "./kiotviet-server.ts";
