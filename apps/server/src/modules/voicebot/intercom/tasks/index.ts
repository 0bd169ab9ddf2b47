export {
  Task,
  TaskTimeout,
  withTimeout,
  type TaskContext,
  type TranscriptSink,
  type Killed,
  type Failed,
} from './task.js';
export { SayTask, type SayResult, type Utterance, type SayDeps } from './say.task.js';
export { ListenTask, type ListenMode, type ListenOptions, type ListenResult, type ListenDeps } from './listen.task.js';
export { AskTask, type AskResult } from './ask.task.js';
export { DialTask, type DialHooks, type DialResult } from './dial.task.js';
export { WaitTask, type WaitResult } from './wait.task.js';
export { HangupTask, type HangupResult } from './hangup.task.js';
export { TalkTask, type TalkResult } from './talk.task.js';
