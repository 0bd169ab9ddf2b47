/**
 * Feature modules installed by the composition root, in order. Each is self-contained
 * behind its installer (app-module.ts).
 */
import type { ModuleInstaller } from './app-module.js';
import { installConversations } from './modules/conversations/index.js';
import { installPresence } from './modules/presence/index.js';
import { installVoicebot } from './modules/voicebot/index.js';

export const FEATURE_MODULES: readonly ModuleInstaller[] = [installPresence, installConversations, installVoicebot];
