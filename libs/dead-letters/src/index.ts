export {
  checkDeadLetterSeq,
  deadLetterJob,
  deadLetterRule,
  DEFAULT_DEAD_LETTER_LIMIT,
  getDeadLetter,
  getDeadLetters,
  JOB_RUNNER_SOURCE,
  listDeadLetters,
  MAX_DEAD_LETTER_LIMIT,
  parseDeadLetterSubject,
  purgeAllDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from './dead-letters';
export type { DeadLetterFilter, DeadLetterScope, ReplayResult, StoredDeadLetter } from './dead-letters';
