/** Every entity of kinerja-bot, in one list for the ORM. */
export * from './organisation.js';
export * from './identity.js';
export * from './cycle.js';
export * from './assessment.js';
export * from './messaging.js';
export * from './inbox.js';
export * from './feedback.js';
export * from './installation.js';
export * from './platform-status.js';
import { ActingAssignment, Employee, Holiday, Unit } from './organisation.js';
import { ChatIdentity, LinkCode, LinkFailure, WebSignin } from './identity.js';
import { Cycle, EmployeeTarget, Indicator, UnitRating } from './cycle.js';
import { Answer, Assessment, BehaviourRating, CheckIn, FollowUp, Objection, RatingRevision, Review, ThreadMessage } from './assessment.js';
import { AuditCheckpoint, AuditEvent, Conversation, OutboxMessage, ProcessedEvent, Reminder } from './messaging.js';
import { InboxEvent } from './inbox.js';
import { Feedback, FeedbackReply, FeedbackRequest, Recognition } from './feedback.js';
import { Installation } from './installation.js';
import { PlatformStatus } from './platform-status.js';

export const ALL_ENTITIES = [
  Unit, Employee, ActingAssignment, Holiday,
  ChatIdentity, LinkCode, LinkFailure, WebSignin,
  Cycle, Indicator, EmployeeTarget, UnitRating,
  Assessment, Answer, BehaviourRating, Review, ThreadMessage, FollowUp, CheckIn, Objection, RatingRevision,
  Conversation, ProcessedEvent, OutboxMessage, Reminder, AuditEvent, AuditCheckpoint, InboxEvent,
  Feedback, FeedbackReply, Recognition, FeedbackRequest,
  Installation, PlatformStatus,
];
