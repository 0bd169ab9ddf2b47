export { OpenAiChat, type ChatMessage, type ChatOptions, type OpenAiChatOptions } from './openai-chat.llm.js';
