import { API_GROUP } from '../k8s/schema.js';

export const LABEL_PLAN = `${API_GROUP}/plan`;
export const LABEL_OPERATION = `${API_GROUP}/operation`;
export const LABEL_EXECUTION = `${API_GROUP}/execution`;
export const LABEL_ACTION = `${API_GROUP}/action`;
export const ANNOTATION_CANCEL = `${API_GROUP}/cancel`;
export const ANNOTATION_ACTION_ID = `${API_GROUP}/action-id`;
/**
 * Set by an execution's own hook once its plan no longer needs it (see docs/design.md, "Fan-out"):
 * the plan stops relating it and the execution controller stops decorating it, so finished
 * executions cost nothing on later changes however many accumulate.
 */
export const LABEL_ARCHIVED = `${API_GROUP}/archived`;
/** On runner Jobs' Pods: the plan relates only these Pods, to read runner results. */
export const LABEL_RUNNER = `${API_GROUP}/runner`;
