export {
  checkDeadLetterSeq,
  deadLetterRule,
  DEFAULT_DEAD_LETTER_LIMIT,
  getDeadLetter,
  getDeadLetters,
  listDeadLetters,
  MAX_DEAD_LETTER_LIMIT,
  parseDeadLetterSubject,
  purgeAllDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from './dead-letters';
export type { DeadLetterFilter, DeadLetterScope, ReplayResult, StoredDeadLetter } from './dead-letters';
